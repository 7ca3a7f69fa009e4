/**
 * The contract's own navigation, shown above its pages: the contract
 * (definition, prices, levels…) and its incidents (故障).
 */
import { Link } from 'react-router-dom';
import { FileTextOutlined, AlertOutlined } from '@ant-design/icons';
import { useT } from '../i18n/i18n';

export type ContractSection = 'contract' | 'incidents';

export function ContractNav({ contractId, active, code, name }: { contractId: string; active: ContractSection; code?: string; name?: string }) {
  const t = useT();
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
      </div>
    </nav>
  );
}
