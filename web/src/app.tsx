/**
 * Providers and routes.
 */
import { lazy, Suspense, type ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { App as AntApp, Button, ConfigProvider, Result } from 'antd';
import zhCNLocale from 'antd/locale/zh_CN';
import enUSLocale from 'antd/locale/en_US';
import { I18nProvider, useI18n } from './i18n/i18n';
import { SessionProvider, useSession } from './auth/session';
import { ReauthProvider } from './auth/reauth';
import { SignInPage } from './auth/sign-in.page';
import { AppLayout } from './shell/app-layout';
import { ContractListPage } from './contracts/contract-list.page';
import { Loading } from './shared/page-state';
import { theme } from './theme';

const ContractDetailPage = lazy(() => import('./contracts/contract-detail.page').then((m) => ({ default: m.ContractDetailPage })));
const AccountPage = lazy(() => import('./account/account.page').then((m) => ({ default: m.AccountPage })));
const AuditPage = lazy(() => import('./audit/audit.page').then((m) => ({ default: m.AuditPage })));
const CalendarPage = lazy(() => import('./calendar/calendar.page').then((m) => ({ default: m.CalendarPage })));
const IncidentsPage = lazy(() => import('./incidents/incidents.page').then((m) => ({ default: m.IncidentsPage })));
const IncidentNewPage = lazy(() => import('./incidents/incident-new.page').then((m) => ({ default: m.IncidentNewPage })));
const IncidentDetailPage = lazy(() => import('./incidents/incident-detail.page').then((m) => ({ default: m.IncidentDetailPage })));
const WorkOrdersPage = lazy(() => import('./workorders/workorders.page').then((m) => ({ default: m.WorkOrdersPage })));
const WorkOrderNewPage = lazy(() => import('./workorders/workorder-form.page').then((m) => ({ default: m.WorkOrderNewPage })));
const WorkOrderEditPage = lazy(() => import('./workorders/workorder-form.page').then((m) => ({ default: m.WorkOrderEditPage })));
const WorkOrderDetailPage = lazy(() => import('./workorders/workorder-detail.page').then((m) => ({ default: m.WorkOrderDetailPage })));
const StaffRosterPage = lazy(() => import('./staff/staff-roster.page').then((m) => ({ default: m.StaffRosterPage })));
const AccessReviewPage = lazy(() => import('./access/access-review.page').then((m) => ({ default: m.AccessReviewPage })));
const ApprovalsInboxPage = lazy(() => import('./approvals/approvals-inbox.page').then((m) => ({ default: m.ApprovalsInboxPage })));

/** Sends signed-out visitors to the sign-in page, remembering where they were going. */
function RequireAuth({ children }: { children: ReactNode }) {
  const { me } = useSession();
  const location = useLocation();
  if (me === undefined) return <Loading />;
  if (me === null) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={next === '/' ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`} replace />;
  }
  return <>{children}</>;
}

function NotFound() {
  const { t } = useI18n();
  return (
    <Result
      status="404"
      title={t('notFound.title')}
      subTitle={t('notFound.body')}
      extra={
        <Button type="primary" href="/contracts">
          {t('notFound.back')}
        </Button>
      }
    />
  );
}

function SignInRoute() {
  const { me } = useSession();
  if (me === undefined) return <Loading />;
  return <SignInPage />;
}

function LocalisedApp() {
  const { lang } = useI18n();
  return (
    <ConfigProvider locale={lang === 'en' ? enUSLocale : zhCNLocale} theme={theme}>
      <AntApp>
        <SessionProvider>
          <ReauthProvider>
            <BrowserRouter>
              <Suspense fallback={<Loading />}>
                <Routes>
                  <Route path="/sign-in" element={<SignInRoute />} />
                  <Route
                    element={
                      <RequireAuth>
                        <AppLayout />
                      </RequireAuth>
                    }
                  >
                    <Route index element={<Navigate to="/contracts" replace />} />
                    <Route path="/contracts" element={<ContractListPage />} />
                    <Route path="/contracts/:contractId" element={<ContractDetailPage />} />
                    <Route path="/contracts/:contractId/incidents" element={<IncidentsPage />} />
                    <Route path="/contracts/:contractId/incidents/new" element={<IncidentNewPage />} />
                    <Route path="/contracts/:contractId/work-orders" element={<WorkOrdersPage />} />
                    <Route path="/contracts/:contractId/work-orders/new" element={<WorkOrderNewPage />} />
                    <Route path="/contracts/:contractId/staff" element={<StaffRosterPage />} />
                    <Route path="/contracts/:contractId/access" element={<AccessReviewPage />} />
                    <Route path="/contracts/:contractId/:tab" element={<ContractDetailPage />} />
                    <Route path="/incidents/:incidentId" element={<IncidentDetailPage />} />
                    <Route path="/work-orders/:workOrderId" element={<WorkOrderDetailPage />} />
                    <Route path="/work-orders/:workOrderId/edit" element={<WorkOrderEditPage />} />
                    <Route path="/approvals" element={<ApprovalsInboxPage />} />
                    <Route path="/calendar" element={<CalendarPage />} />
                    <Route path="/audit" element={<AuditPage />} />
                    <Route path="/account" element={<AccountPage />} />
                    <Route path="*" element={<NotFound />} />
                  </Route>
                </Routes>
              </Suspense>
            </BrowserRouter>
          </ReauthProvider>
        </SessionProvider>
      </AntApp>
    </ConfigProvider>
  );
}

/** The whole web app. */
export function YunweiApp() {
  return (
    <I18nProvider>
      <LocalisedApp />
    </I18nProvider>
  );
}
