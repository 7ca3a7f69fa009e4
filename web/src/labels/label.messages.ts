/**
 * UI strings of security labels (安全标记) and clearances, merged into the
 * main dictionaries. The English dictionary must provide every key.
 */
export const labelZh = {
  'label.public': '公开',
  'label.internal': '内部',
  'label.sensitive': '敏感',
  'label.title': '安全标记',
  'label.tooltip': '安全标记：可阅最高标记低于此级别的用户看不到这条记录',
  'label.integrityFailed': '标记校验失败',
  'label.integrityFailedHint': '该记录的安全标记未通过 HMAC-SM3 校验（可能在数据库中被直接修改），已按「敏感」处理并告警；请核查后重新设定标记。',
  'label.change': '调整标记',
  'label.changeTitle': '调整安全标记',
  'label.new': '新的安全标记',
  'label.reason': '调整理由',
  'label.reasonRequired': '请填写调整理由',
  'label.changeHint': '调整后，可阅最高标记低于新标记的用户将看不到这条记录；调整记入审计日志。您最高可设为「{max}」。',
  'label.changed': '安全标记已调整',
  'label.clearance': '可阅最高标记',
  'label.clearanceHint': '该授权的持有人能看到的最高安全标记；不能高于您本人的',
  'label.clearanceChanged': '可阅最高标记已调整',
  'action.incident.labelChanged': '调整故障单安全标记',
  'action.workOrder.labelChanged': '调整工单安全标记',
  'action.membership.clearanceChanged': '调整可阅最高标记',
  'action.security.integrityViolation': '安全标记完整性告警',
  'action.security.labelsSealed': '计算早期记录的标记校验值',
  'entity.securityLabel': '安全标记',
} as const;

/** The keys of the label strings. */
export type LabelMessageKey = keyof typeof labelZh;

export const labelEn: Record<LabelMessageKey, string> = {
  'label.public': 'Public',
  'label.internal': 'Internal',
  'label.sensitive': 'Sensitive',
  'label.title': 'Security label',
  'label.tooltip': 'Security label: users whose clearance is below it do not see this record',
  'label.integrityFailed': 'Label check failed',
  'label.integrityFailedHint': 'This record’s security label failed its HMAC-SM3 check (it may have been changed directly in the database). It is treated as sensitive and an alert was raised; review it and set the label again.',
  'label.change': 'Change label',
  'label.changeTitle': 'Change the security label',
  'label.new': 'New security label',
  'label.reason': 'Reason',
  'label.reasonRequired': 'Give a reason',
  'label.changeHint': 'Users whose clearance is below the new label will no longer see this record; the change is audited. You may set at most “{max}”.',
  'label.changed': 'Security label changed',
  'label.clearance': 'Clearance',
  'label.clearanceHint': 'The highest security label the holder of this grant may read; not above your own',
  'label.clearanceChanged': 'Clearance changed',
  'action.incident.labelChanged': 'Incident label changed',
  'action.workOrder.labelChanged': 'Work-order label changed',
  'action.membership.clearanceChanged': 'Clearance changed',
  'action.security.integrityViolation': 'Security-label integrity alert',
  'action.security.labelsSealed': 'Label MACs computed for older records',
  'entity.securityLabel': 'Security label',
};
