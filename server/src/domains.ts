/**
 * Cross-cutting declarations each domain makes once at start-up (server,
 * CLI, tests): which of its tables hold sealed personal data, which records
 * can be revealed, and what the contract close-out must return and destroy.
 */
import { registerIncidentPrivacy } from './incidents/incident-privacy.ts';
import { registerAttachmentPrivacy } from './attachments/attachment-privacy.ts';
import { registerWorkOrderPrivacy } from './workorders/workorder-privacy.ts';
import { registerStaffPrivacy } from './staff/staff-privacy.ts';

/** Register every domain's hooks (idempotent). */
export function registerDomains(): void {
  registerIncidentPrivacy();
  registerAttachmentPrivacy();
  registerWorkOrderPrivacy();
  registerStaffPrivacy();
}
