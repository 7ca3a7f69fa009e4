/**
 * Shared loading, error and empty states, worded in the current language.
 */
import type { ReactNode } from 'react';
import { Alert, Button, Empty, Spin } from 'antd';
import { useT } from '../i18n/i18n';
import { errorMessage } from '../api/client';

/** A centred spinner for a page or a panel. */
export function Loading() {
  const t = useT();
  return (
    <div className="page-loading">
      <Spin />
      <span>{t('common.loading')}</span>
    </div>
  );
}

/** The error of a failed load, with a retry button. */
export function LoadError({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const t = useT();
  return (
    <Alert
      type="error"
      showIcon
      title={t('error.loadFailed')}
      description={errorMessage(error)}
      action={onRetry ? <Button size="small" onClick={onRetry}>{t('common.retry')}</Button> : undefined}
    />
  );
}

/** An empty state with a specific message. */
export function EmptyState({ children }: { children: ReactNode }) {
  return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={children} />;
}
