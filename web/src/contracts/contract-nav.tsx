/**
 * The contract's own navigation, shown above its pages: the contract
 * (definition, prices, levels…), its incidents (故障), its work orders (工单),
 * and, for those who may see them, its vendor staff (人员) and access review (权限复核).
 */
import { Link } from 'react-router-dom';
import { FileTextOutlined, AlertOutlined, ProfileOutlined, TeamOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { useT } from '../i18n/i18n';
import { useMe } from '../auth/session';
import { STAFF_READER_ROLES } from '../staff/staff-types';
import { ACCESS_REVIEWER_ROLES } from '../access/access-types';

export type ContractSection = 'contract' | 'incidents' | 'workOrders' | 'staff' | 'access';

export function ContractNav({ contractId, active, code, name }: { contractId: string; active: ContractSection; code?: string; name?: string }) {
  const t = useT();
  const me = useMe();
  const mine = me.memberships.filter((m) => m.contractId === contractId);
  // the roster and the permission review are contract-wide: hidden from users limited to a district or street
  const may = (allowed: readonly string[]) => me.isPlatformAdmin || mine.some((m) => allowed.includes(m.role) && m.scope === null);
  return (
    <nav className="contract-nav" aria-label={t('cnav.label')}>
      {code && (
        <span className="contract-nav-title">
          <span className="mono contract-code">{code}</span>
          {name && <span className="contract-nav-name">{name}</span>}
        </span>
      )}
      <div className="contract-nav-links">
        <Link to={`/contracts/${contractId}`} className={active === 'contract' ? 'active' : undefined} aria-current={active === 'contract' ? 'page' : undefined}>
          <FileTextOutlined /> {t('cnav.contract')}
        </Link>
        <Link to={`/contracts/${contractId}/incidents`} className={active === 'incidents' ? 'active' : undefined} aria-current={active === 'incidents' ? 'page' : undefined}>
          <AlertOutlined /> {t('cnav.incidents')}
        </Link>
        <Link to={`/contracts/${contractId}/work-orders`} className={active === 'workOrders' ? 'active' : undefined} aria-current={active === 'workOrders' ? 'page' : undefined}>
          <ProfileOutlined /> {t('cnav.workOrders')}
        </Link>
        {may(STAFF_READER_ROLES) && (
          <Link to={`/contracts/${contractId}/staff`} className={active === 'staff' ? 'active' : undefined} aria-current={active === 'staff' ? 'page' : undefined}>
            <TeamOutlined /> {t('cnav.staff')}
          </Link>
        )}
        {may(ACCESS_REVIEWER_ROLES) && (
          <Link to={`/contracts/${contractId}/access`} className={active === 'access' ? 'active' : undefined} aria-current={active === 'access' ? 'page' : undefined}>
            <SafetyCertificateOutlined /> {t('cnav.access')}
          </Link>
        )}
      </div>
    </nav>
  );
}
