/**
 * Work-order kinds, their subtypes and the platform's default approval flows
 * (used where a contract's `workOrders` section is silent). Pure data and
 * pure functions: the contract format, the service and the web app share them.
 */
import type { Role } from '../auth/roles.ts';
import type { ApprovalFlow, ApprovalStep } from '../approvals/approval-flow.ts';

/** The five kinds of work order. */
export const WORK_ORDER_KINDS = ['serviceRequest', 'dataWorkOrder', 'change', 'release', 'content'] as const;
export type WorkOrderKind = (typeof WORK_ORDER_KINDS)[number];

/** Chinese names of the kinds. */
export const KIND_NAMES: Record<WorkOrderKind, string> = {
  serviceRequest: '服务请求',
  dataWorkOrder: '数据处理工单',
  change: '变更',
  release: '发布/升级',
  content: '内容发布',
};

/** Number prefixes (FW2024-000001 …). */
export const KIND_NUMBER_PREFIX: Record<WorkOrderKind, string> = {
  serviceRequest: 'FW',
  dataWorkOrder: 'SJ',
  change: 'BG',
  release: 'FB',
  content: 'NR',
};

/** Subtype keys of each kind. */
export const SUBTYPE_KEYS = {
  serviceRequest: ['consultation', 'accountChange', 'outletInfoChange', 'statistics', 'training', 'other'],
  dataWorkOrder: ['query', 'extraction', 'correction', 'deletion'],
  change: ['configuration', 'software', 'database', 'network', 'infrastructure', 'other'],
  release: ['minorUpgrade', 'databaseUpgrade', 'patch', 'majorRelease'],
  content: ['notice', 'news', 'banner', 'column', 'wechatArticle', 'appContent', 'kioskContent'],
} as const satisfies Record<WorkOrderKind, readonly string[]>;

/** A subtype key of `kind`. */
export type WorkOrderSubtype<K extends WorkOrderKind = WorkOrderKind> = (typeof SUBTYPE_KEYS)[K][number];

/** Chinese names of the subtypes. */
export const SUBTYPE_NAMES: { [K in WorkOrderKind]: Record<WorkOrderSubtype<K>, string> } = {
  serviceRequest: {
    consultation: '业务咨询',
    accountChange: '账号/权限变更',
    outletInfoChange: '网点/操作人员信息变更',
    statistics: '查询统计',
    training: '培训申请',
    other: '其他服务请求',
  },
  dataWorkOrder: {
    query: '数据查询',
    extraction: '数据提取',
    correction: '数据修正',
    deletion: '数据删除',
  },
  change: {
    configuration: '配置变更',
    software: '程序/补丁变更',
    database: '数据库变更',
    network: '网络变更',
    infrastructure: '基础设施变更',
    other: '其他变更',
  },
  release: {
    minorUpgrade: '小版本升级',
    databaseUpgrade: '数据库年度升级',
    patch: '补丁发布',
    majorRelease: '版本发布',
  },
  content: {
    notice: '通知公告',
    news: '新闻',
    banner: 'Banner 图',
    column: '专栏',
    wechatArticle: '公众号文章',
    appContent: 'App 内容',
    kioskContent: '自助终端内容',
  },
};

/** Whether `subtype` is one of the subtypes of `kind`. */
export function isSubtypeOf(kind: WorkOrderKind, subtype: string): boolean {
  const keys: readonly string[] = SUBTYPE_KEYS[kind];
  return keys.includes(subtype);
}

/** The Chinese name of a subtype (the key itself when unknown). */
export function subtypeName(kind: WorkOrderKind, subtype: string): string {
  const names: Record<string, string> = SUBTYPE_NAMES[kind];
  return names[subtype] ?? subtype;
}

/**
 * Personal-data categories a data work order may touch, after the civil-affairs
 * contract's catalogue (个人基本信息、账户信息、隐私信息、社会关系信息、审批过程和结果信息, L149–L159).
 */
export const PERSONAL_DATA_CATEGORIES = {
  name: '姓名',
  idNumber: '身份证号',
  contact: '电话、邮箱等联系方式',
  address: '住址',
  bankAccount: '银行卡/存折账号',
  income: '收入',
  health: '健康状况',
  disability: '残疾状况',
  photo: '个人照片',
  familyMembers: '家庭成员信息',
  employer: '工作单位',
  approvalRecords: '审批过程和结果信息',
  other: '其他个人信息',
} as const;
export type PersonalDataCategory = keyof typeof PERSONAL_DATA_CATEGORIES;
export const PERSONAL_DATA_CATEGORY_KEYS = [
  'name',
  'idNumber',
  'contact',
  'address',
  'bankAccount',
  'income',
  'health',
  'disability',
  'photo',
  'familyMembers',
  'employer',
  'approvalRecords',
  'other',
] as const satisfies readonly PersonalDataCategory[];

function step(key: string, name: string, roles: readonly Role[], mode: ApprovalStep['mode'] = 'any'): ApprovalStep {
  return { key, name, roles, mode };
}

/**
 * The platform's default approval flow of each kind, used when the contract
 * names none:
 * - service request: none (the request is approved on submission), except an
 *   account or permission change, approved by the agency's system administrator;
 * - data work order: the agency's project lead signs (经甲方签字同意);
 * - change: the vendor's project manager, then the agency's project lead confirms;
 * - release: the vendor's project manager, then the agency's project lead approves;
 * - content: the vendor's editor (team lead) reviews, then the agency's project lead approves.
 */
export const DEFAULT_FLOWS: Record<WorkOrderKind, ApprovalFlow> = {
  serviceRequest: { steps: [] },
  dataWorkOrder: { steps: [step('agencySign', '甲方项目负责人审批签字', ['agencyProjectLead'])] },
  change: { steps: [step('vendorReview', '乙方项目经理审核', ['vendorProjectManager']), step('agencyConfirm', '甲方项目负责人确认', ['agencyProjectLead'])] },
  release: { steps: [step('vendorReview', '乙方项目经理审核', ['vendorProjectManager']), step('agencyApprove', '甲方项目负责人批准', ['agencyProjectLead'])] },
  content: { steps: [step('editorReview', '乙方编辑审核', ['vendorTeamLead']), step('agencyApprove', '甲方审批', ['agencyProjectLead'])] },
};

/** Subtypes whose default flow differs from their kind's. */
export const DEFAULT_SUBTYPE_FLOWS: Partial<Record<WorkOrderKind, Partial<Record<string, ApprovalFlow>>>> = {
  serviceRequest: { accountChange: { steps: [step('agencyAdmin', '甲方系统管理员审批', ['agencyAdmin'])] } },
};

/** Kinds whose flow must contain a step decided by the agency alone (the contracts forbid the work without the agency's signature). */
export const AGENCY_SIGNED_KINDS: readonly WorkOrderKind[] = ['dataWorkOrder', 'change', 'release'];
