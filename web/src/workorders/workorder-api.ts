/**
 * Sending a work-order command (from the detail page or the approvals
 * inbox): one typed call with the version the user saw. Refusals come back
 * as `ApiError` with the server's Chinese message.
 */
import { api, unwrap } from '../api/client';
import type { WorkOrderCommand } from '../api/types';

/** Apply `command` to the work order, as of `version`. */
export async function sendWorkOrderCommand(workOrderId: string, version: number, command: WorkOrderCommand) {
  return unwrap(api.POST('/api/work-orders/{workOrderId}/commands', { params: { path: { workOrderId } }, body: { version, command } }));
}

/** Name of the window event the approvals inbox badge listens to. */
export const INBOX_CHANGED = 'yunwei:approvals-changed';

/** Tell the approvals badge to recount (after an approval or a rejection). */
export function announceInboxChange(): void {
  window.dispatchEvent(new Event(INBOX_CHANGED));
}
