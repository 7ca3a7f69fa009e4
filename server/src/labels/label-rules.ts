/**
 * Rules for setting labels and clearances: nobody sets a label, or grants a
 * clearance, above their own clearance (SECURITY_LABEL_ABOVE_CLEARANCE).
 */
import { AppError } from '../errors.ts';
import { labelName, mayRead, type SecurityLabel } from './security-label.ts';

/** Timeline name of a label change. */
export const LABEL_EVENT_NAME = '调整安全标记';

/** Refuse a label (or a clearance to grant) above the caller's own clearance. */
export function assertLabelWithinClearance(clearance: SecurityLabel, label: SecurityLabel, what: 'label' | 'clearance' = 'label'): void {
  if (mayRead(clearance, label)) return;
  throw new AppError(
    'SECURITY_LABEL_ABOVE_CLEARANCE',
    what === 'label'
      ? `您的可阅最高标记为「${labelName(clearance)}」，不能把记录标记为「${labelName(label)}」`
      : `您的可阅最高标记为「${labelName(clearance)}」，不能授予「${labelName(label)}」级别`,
  );
}
