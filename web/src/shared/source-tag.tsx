/**
 * A small muted tag showing where a figure comes from in the original
 * contract ("L187"): users trust a number they can trace.
 */
import { Tooltip } from 'antd';
import { useT } from '../i18n/i18n';

const MAX_CHARS = 22;

export function SourceTag({ source }: { source: string | null | undefined }) {
  const t = useT();
  if (!source) return null;
  const short = source.length > MAX_CHARS ? `${source.slice(0, MAX_CHARS).replace(/[,，\s]+$/, '')}…` : source;
  return (
    <Tooltip title={t('source.tooltip', { source })}>
      <span className="source-tag">{short}</span>
    </Tooltip>
  );
}
