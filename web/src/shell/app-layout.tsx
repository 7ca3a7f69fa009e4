/**
 * The signed-in frame: header with the product name, navigation, a contract
 * switcher, the language switch and the user menu; the page below.
 */
import { Suspense } from 'react';
import { Link, Outlet, useLocation, useMatch, useNavigate } from 'react-router-dom';
import { App, Avatar, Badge, Dropdown, Layout, Menu, Select } from 'antd';
import { LogoutOutlined, DownOutlined, SafetyCertificateOutlined } from '@ant-design/icons';
import { useI18n } from '../i18n/i18n';
import { useMe, useSession } from '../auth/session';
import { canReadAudit, contractsOf } from '../auth/roles';
import { errorMessage } from '../api/client';
import { Loading } from '../shared/page-state';
import { LanguageSwitch } from './language-switch';
import { useInboxCount } from '../approvals/use-inbox-count';
import { mayHaveApprovals } from '../workorders/workorder-rules';

export function AppLayout() {
  const { t } = useI18n();
  const me = useMe();
  const { signOut } = useSession();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const location = useLocation();
  const contractMatch = useMatch('/contracts/:contractId/*');
  const currentContractId = contractMatch?.params.contractId;
  const myContracts = contractsOf(me.memberships);

  const showInbox = me.isPlatformAdmin || mayHaveApprovals(me.memberships.map((m) => m.role));
  const inboxCount = useInboxCount(showInbox);
  const selectedNav = location.pathname.startsWith('/audit') ? 'audit' : location.pathname.startsWith('/calendar') ? 'calendar' : location.pathname.startsWith('/approvals') ? 'approvals' : 'contracts';
  const navItems = [
    { key: 'contracts', label: <Link to="/contracts">{t('nav.contracts')}</Link> },
    ...(showInbox
      ? [
          {
            key: 'approvals',
            label: (
              <Link to="/approvals" className="nav-approvals">
                {t('nav.approvals')}
                {inboxCount ? <Badge count={inboxCount} size="small" overflowCount={99} className="nav-badge" /> : null}
              </Link>
            ),
          },
        ]
      : []),
    { key: 'calendar', label: <Link to="/calendar">{t('nav.calendar')}</Link> },
    ...(canReadAudit(me) ? [{ key: 'audit', label: <Link to="/audit">{t('nav.audit')}</Link> }] : []),
  ];

  const onSignOut = async () => {
    try {
      await signOut();
      message.success(t('user.signedOut'));
    } catch (e) {
      message.error(errorMessage(e));
    }
    navigate('/sign-in', { replace: true });
  };

  return (
    <Layout className="app-shell">
      <Layout.Header className="app-header">
        <Link to="/contracts" className="brand">
          <span className="brand-mark">运</span>
          <span className="brand-name">
            {t('app.name')} <span className="latin">{t('app.nameLatin')}</span>
          </span>
        </Link>
        <Menu className="app-nav" theme="dark" mode="horizontal" selectedKeys={[selectedNav]} items={navItems} disabledOverflow />
        {myContracts.length > 0 && (
          <Select
            className="contract-switcher"
            size="middle"
            value={currentContractId}
            placeholder={t('nav.switchContract')}
            popupMatchSelectWidth={460}
            onChange={(id: string) => {
              const section = ['incidents', 'work-orders'].find((s) => location.pathname.startsWith(`/contracts/${currentContractId ?? ''}/${s}`));
              navigate(section ? `/contracts/${id}/${section}` : `/contracts/${id}`);
            }}
            options={myContracts.map((c) => ({
              value: c.contractId,
              label: (
                <span className="switcher-option">
                  <span className="switcher-code">{c.contractCode}</span>
                  <span className="switcher-name">{c.contractName}</span>
                </span>
              ),
            }))}
          />
        )}
        <div className="header-spacer" />
        <LanguageSwitch className="header-lang" />
        <Dropdown
          trigger={['click']}
          menu={{
            items: [
              {
                key: 'who',
                disabled: true,
                label: (
                  <div className="user-menu-who">
                    <div className="user-menu-name">{me.displayName}</div>
                    <div className="user-menu-org">{me.isPlatformAdmin ? t('user.platformAdmin') : (me.organisationName ?? me.username)}</div>
                  </div>
                ),
              },
              { type: 'divider' },
              { key: 'account', icon: <SafetyCertificateOutlined />, label: <Link to="/account">{t('user.account')}</Link> },
              { key: 'signOut', icon: <LogoutOutlined />, label: t('user.signOut'), onClick: () => void onSignOut() },
            ],
          }}
        >
          <button type="button" className="user-button">
            <Avatar size={28} className="user-avatar">
              {me.displayName.slice(0, 1)}
            </Avatar>
            <span className="user-button-text">
              <span className="user-button-name">{me.displayName}</span>
              <span className="user-button-org">{me.isPlatformAdmin ? t('user.platformAdmin') : (me.organisationName ?? '')}</span>
            </span>
            <DownOutlined className="user-button-caret" />
          </button>
        </Dropdown>
      </Layout.Header>
      <Layout.Content className="app-content">
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </Layout.Content>
    </Layout>
  );
}
