/**
 * Types of the roster endpoints, derived from the generated `paths`.
 */
import type { paths } from '../api/schema';

type Json<R> = R extends { content: { 'application/json': infer B } } ? B : never;

/** `GET /api/contracts/{contractId}/staff`. */
export type Roster = Json<paths['/api/contracts/{contractId}/staff']['get']['responses'][200]>;
/** One roster entry. */
export type StaffMember = Roster['members'][number];
/** A replacement request. */
export type ReplacementRequest = Roster['replacementRequests'][number];
/** A computed staffing KPI. */
export type StaffingKpi = Roster['kpis'][number];
/** A contract position. */
export type StaffPosition = Roster['positions'][number];
/** Roster entry status. */
export type StaffStatus = StaffMember['status'];
/** Education level. */
export type Education = StaffMember['education'];
/** A qualification. */
export type Qualification = StaffMember['qualifications'][number];
/** `GET /api/staff/{staffId}`. */
export type StaffDetail = Json<paths['/api/staff/{staffId}']['get']['responses'][200]>;
/** A stored file of a roster entry. */
export type StaffDocument = StaffDetail['documents'][number];
/** Document kinds. */
export type StaffDocumentKind = StaffDocument['kind'];
/** Body of `POST /api/contracts/{contractId}/staff`. */
export type NewStaff = Json<NonNullable<paths['/api/contracts/{contractId}/staff']['post']['requestBody']>>;
/** Answer of the document upload. */
export type UploadedStaffDocument = Json<paths['/api/staff/{staffId}/documents']['post']['responses'][201]>;

/** Education levels, lowest first. */
export const EDUCATION_ORDER: readonly Education[] = ['highSchoolOrBelow', 'secondaryVocational', 'juniorCollege', 'bachelor', 'master', 'doctorate'];
/** Document kinds in menu order. */
export const DOCUMENT_KINDS: readonly StaffDocumentKind[] = ['agreement', 'backgroundCheck', 'qualification', 'entryApplication', 'exitApplication', 'other'];

/** Roles that may open the roster (the server decides; this only hides the link). */
export const STAFF_READER_ROLES: readonly string[] = ['agencyAdmin', 'agencyProjectLead', 'agencyLeader', 'agencyReviewer', 'auditor', 'vendorProjectManager', 'vendorTeamLead'];
