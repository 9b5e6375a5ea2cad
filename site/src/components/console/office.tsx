/**
 * The OCOP office's console (/office): dashboard, cases and signals, the registry (producers,
 * products, zones), certificates (record results, renew, revoke), and for admins accounts, signing
 * keys and the audit log.
 */
import { render, type JSX } from 'preact';
import { useState } from 'preact/hooks';
import { CONSOLE, type Lang } from '../../lib/console-i18n.ts';
import { requireSession, type Session } from '../../lib/console.ts';
import { Shell, useHashTab } from './ui.tsx';
import { DashboardView } from './office-dashboard.tsx';
import { CasesView } from './office-cases.tsx';
import { AuditView, CertificatesView, KeysView, RegistryView, UsersView } from './office-registry.tsx';

const ROLES = ['admin', 'officer'] as const;

function OfficeConsole(props: { lang: Lang; session: Session }): JSX.Element {
  const t = CONSOLE[props.lang];
  const admin = props.session.user.role === 'admin';
  const tabs = [
    { id: 'dashboard', label: t.tabDashboard },
    { id: 'cases', label: t.tabCases },
    { id: 'certificates', label: t.tabCertificates },
    { id: 'registry', label: t.tabRegistry },
    ...(admin
      ? [
          { id: 'users', label: t.tabUsers },
          { id: 'keys', label: t.tabKeys },
          { id: 'audit', label: t.tabAudit },
        ]
      : []),
  ];
  const [tab, go] = useHashTab(tabs, 'dashboard');
  const [selectedCase, setSelectedCase] = useState<string | null>(() => {
    const m = /^#cases\/([0-9a-f-]{36})$/.exec(location.hash);
    return m?.[1] ?? null;
  });
  const selectCase = (id: string | null) => {
    setSelectedCase(id);
    history.replaceState(null, '', id ? `#cases/${id}` : '#cases');
  };
  return (
    <Shell
      lang={props.lang}
      title={t.officeTitle}
      session={props.session}
      roles={ROLES}
      tabs={tabs}
      current={tab}
      onTab={go}
    >
      {tab === 'dashboard' && <DashboardView lang={props.lang} admin={admin} />}
      {tab === 'cases' && <CasesView lang={props.lang} selected={selectedCase} onSelect={selectCase} />}
      {tab === 'certificates' && <CertificatesView lang={props.lang} />}
      {tab === 'registry' && <RegistryView lang={props.lang} />}
      {tab === 'users' && admin && <UsersView lang={props.lang} session={props.session} />}
      {tab === 'keys' && admin && <KeysView lang={props.lang} />}
      {tab === 'audit' && admin && <AuditView lang={props.lang} />}
    </Shell>
  );
}

const root = document.getElementById('console');
if (root) {
  const lang: Lang = root.dataset.lang === 'en' ? 'en' : 'vi';
  const session = requireSession(ROLES, lang);
  if (session) {
    root.textContent = '';
    render(<OfficeConsole lang={lang} session={session} />, root);
  }
}
