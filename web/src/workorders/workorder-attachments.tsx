/**
 * Uploads to a work order (附件与证据); execution output files uploaded here
 * can be named as the output of a data work order's execution.
 */
import { apiUrl } from '../api/urls';
import type { UploadedAttachment } from '../api/types';
import { uploadFile } from '../shared/attachments-panel';

/** Upload one file to the work order; returns the stored attachment (with its SM3 digest). */
export function uploadWorkOrderAttachment(workOrderId: string, file: File): Promise<UploadedAttachment> {
  return uploadFile(apiUrl('/api/work-orders/{workOrderId}/attachments', 'post', { workOrderId }), file);
}
