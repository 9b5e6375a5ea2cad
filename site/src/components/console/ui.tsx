/**
 * Small building blocks of the consoles (Preact, rendered in the browser by plain module scripts:
 * the site's CSP allows no inline script, so no hydrated islands). Text is always rendered as text
 * (Preact escapes it); nothing here sets HTML.
 */
import type { ComponentChildren, JSX, RefObject } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { formatDate, formatDateTime } from '../../lib/i18n.ts';
import { CONSOLE, ROLE_NAME, problemText, type Lang } from '../../lib/console-i18n.ts';
import {
  HOME,
  get,
  getBlob,
  loadSession,
  signOut,
  type ApiResult,
  type Problem,
  type Role,
  type Session,
} from '../../lib/console.ts';

export { formatDate, formatDateTime };

export type Tab = { id: string; label: string };

/** The tab named by the URL hash (#batches), kept in sync with the hash. */
export function useHashTab(tabs: readonly Tab[], fallback: string): [string, (id: string) => void] {
  const read = () => {
    const h = location.hash.replace(/^#/, '').split('/')[0] ?? '';
    return tabs.some((t) => t.id === h) ? h : fallback;
  };
  const [tab, setTab] = useState(read);
  useEffect(() => {
    const on = () => setTab(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  });
  const go = useCallback((id: string) => {
    if (location.hash !== `#${id}`) location.hash = id;
    setTab(id);
  }, []);
  return [tab, go];
}

export function Shell(props: {
  lang: Lang;
  title: string;
  session: Session;
  roles: readonly Role[];
  tabs: readonly Tab[];
  current: string;
  onTab: (id: string) => void;
  status?: ComponentChildren;
  children: ComponentChildren;
}): JSX.Element {
  const t = CONSOLE[props.lang];
  const user = props.session.user;
  const allowed = props.roles.includes(user.role);
  return (
    <div class="console">
      <div class="console-head">
        <h1>{props.title}</h1>
        <p class="console-user">
          <span>
            {t.signedInAs} <strong>{user.displayName ?? user.email}</strong> ·{' '}
            {ROLE_NAME[user.role]?.[props.lang] ?? user.role}
          </span>{' '}
          <button type="button" class="button secondary small" onClick={() => signOut(props.lang)}>
            {t.signOut}
          </button>
        </p>
        {props.status}
      </div>
      {!allowed ? (
        <div class="alert" role="alert">
          <p>{t.wrongRole(ROLE_NAME[user.role]?.[props.lang] ?? user.role)}</p>
          <p>
            <a href={HOME[user.role] + (props.lang === 'en' ? '?lang=en' : '')}>{t.goToMyConsole}</a>
          </p>
        </div>
      ) : (
        <>
          {props.tabs.length > 1 && (
            <nav class="console-tabs" aria-label={t.consoleNav}>
              <ul>
                {props.tabs.map((tab) => (
                  <li key={tab.id}>
                    <a
                      href={`#${tab.id}`}
                      aria-current={props.current === tab.id ? 'page' : undefined}
                      onClick={(e) => {
                        e.preventDefault();
                        props.onTab(tab.id);
                      }}
                    >
                      {tab.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
          <div class="console-body">{props.children}</div>
        </>
      )}
    </div>
  );
}

export function Notice(props: {
  kind: 'ok' | 'error' | 'info' | 'warn';
  children: ComponentChildren;
}): JSX.Element {
  const role = props.kind === 'error' ? 'alert' : 'status';
  return (
    <div class={`notice notice-${props.kind}`} role={role}>
      {props.children}
    </div>
  );
}

export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'ok'; data: T }
  | { state: 'error'; res: Extract<ApiResult<T>, { ok: false }> };

/** GET a JSON path (null: nothing to load); `reload` fetches it again. */
export function useApi<T>(path: string | null): [Loaded<T>, () => void] {
  const [state, setState] = useState<Loaded<T>>({ state: 'loading' });
  const [n, setN] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setState((s) => (s.state === 'ok' ? s : { state: 'loading' }));
    void get<T>(path).then((res) => {
      if (!live) return;
      if (res.status === 401) {
        location.reload();
        return;
      }
      setState(res.ok ? { state: 'ok', data: res.data } : { state: 'error', res });
    });
    return () => {
      live = false;
    };
  }, [path, n]);
  return [state, () => setN((x) => x + 1)];
}

export function Loading(props: { lang: Lang }): JSX.Element {
  return (
    <p class="muted" role="status">
      {CONSOLE[props.lang].loading}
    </p>
  );
}

export function Failed(props: {
  lang: Lang;
  res: { status: number; problem: Problem };
  retry?: () => void;
}): JSX.Element {
  return (
    <Notice kind="error">
      <p>{problemText(props.res, props.lang)}</p>
      {props.retry && (
        <button type="button" class="button secondary small" onClick={props.retry}>
          {CONSOLE[props.lang].retry}
        </button>
      )}
    </Notice>
  );
}

/** Render `loaded` with `body` once it is there; loading and errors are said in words. */
export function Show<T>(props: {
  lang: Lang;
  loaded: Loaded<T>;
  retry?: () => void;
  children: (data: T) => ComponentChildren;
}): JSX.Element {
  const l = props.loaded;
  if (l.state === 'loading') return <Loading lang={props.lang} />;
  if (l.state === 'error') return <Failed lang={props.lang} res={l.res} retry={props.retry} />;
  return <>{props.children(l.data)}</>;
}

const STAR = 'M12 1.8l3.1 6.4 7 1-5.1 4.9 1.2 7-6.2-3.3-6.2 3.3 1.2-7L1.9 9.2l7-1z';

export function Stars(props: { n: number; lang: Lang; size?: 'sm' | 'lg' }): JSX.Element {
  const count = Math.max(0, Math.min(5, Math.round(props.n)));
  return (
    <span
      class={`stars ${props.size ?? 'sm'}`}
      role="img"
      aria-label={props.lang === 'vi' ? `${count} sao trên 5` : `${count} of 5 stars`}
    >
      {[0, 1, 2, 3, 4].map((i) => (
        <svg key={i} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path class={i < count ? 'on' : 'off'} d={STAR} stroke-width="1.2" stroke-linejoin="round" />
        </svg>
      ))}
    </span>
  );
}

/** An image the API serves behind the bearer token (charts, label previews, photos). */
export function AuthImage(props: { path: string; alt: string; class?: string }): JSX.Element {
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    let made: string | null = null;
    setFailed(false);
    void getBlob(props.path).then((res) => {
      if (!live) return;
      if (!res.ok) {
        setFailed(true);
        return;
      }
      made = URL.createObjectURL(res.data);
      setUrl(made);
    });
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [props.path]);
  if (failed) return <p class="muted">{props.alt} — ✕</p>;
  if (!url) return <div class={`img-placeholder ${props.class ?? ''}`} aria-busy="true" />;
  return <img src={url} alt={props.alt} class={props.class} />;
}

/** A labelled field; `id` ties the label to the control (WCAG 1.3.1, 3.3.2). */
export function Field(props: {
  id: string;
  label: string;
  hint?: string;
  children: ComponentChildren;
}): JSX.Element {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint && (
        <p class="hint" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      )}
    </div>
  );
}

/** Run an async action with a busy flag and a message; returns the result to the caller. */
export function useAction(): {
  busy: boolean;
  message: { kind: 'ok' | 'error'; text: string } | null;
  run: <T>(
    fn: () => Promise<ApiResult<T>>,
    ok: string | ((data: T) => string),
    lang: Lang,
  ) => Promise<T | null>;
  clear: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const run = async <T,>(
    fn: () => Promise<ApiResult<T>>,
    ok: string | ((data: T) => string),
    lang: Lang,
  ): Promise<T | null> => {
    // The button that started the action is disabled while it runs, and a disabled button loses
    // focus to the page's body: give it back once it is enabled again (if it is still there).
    const from = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setBusy(true);
    setMessage(null);
    const res = await fn();
    setBusy(false);
    if (from && from !== document.body) restoreFocus(from);
    if (res.ok) {
      setMessage({ kind: 'ok', text: typeof ok === 'string' ? ok : ok(res.data) });
      return res.data;
    }
    setMessage({ kind: 'error', text: problemText(res, lang) });
    return null;
  };
  return { busy, message, run, clear: () => setMessage(null) };
}

/** After the next render: focus `el` again if focus fell to the body meanwhile and `el` is still on the page. */
function restoreFocus(el: HTMLElement): void {
  setTimeout(() => {
    const now = document.activeElement;
    if ((!now || now === document.body) && el.isConnected) el.focus();
  }, 0);
}

export function Message(props: {
  message: { kind: 'ok' | 'error'; text: string } | null;
}): JSX.Element | null {
  if (!props.message) return null;
  return <Notice kind={props.message.kind}>{props.message.text}</Notice>;
}

/** A horizontal bar made of a <meter>, so no inline style is needed (strict CSP). */
export function Bar(props: { value: number; max: number; label: string }): JSX.Element {
  return (
    <meter class="bar" min={0} max={Math.max(1, props.max)} value={props.value} aria-label={props.label} />
  );
}

export function Table(props: {
  caption?: string;
  head: string[];
  children: ComponentChildren;
  class?: string;
}): JSX.Element {
  return (
    <div class="table-wrap" tabIndex={0} role="region" aria-label={props.caption ?? props.head.join(', ')}>
      <table class={props.class}>
        {props.caption && <caption>{props.caption}</caption>}
        <thead>
          <tr>
            {props.head.map((h) => (
              <th key={h} scope="col">
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

/** Boot a console: the session (or a redirect to sign in) and the page's language. */
export function boot(root: HTMLElement): { lang: Lang; session: Session | null } {
  const lang: Lang = root.dataset.lang === 'en' ? 'en' : 'vi';
  return { lang, session: loadSession() };
}

/**
 * A ref for the heading of a detail panel opened from a list (a batch, a case, a product): focus it
 * once it is rendered for `key`. On a phone the panel opens below the list, out of sight; focusing
 * its heading brings it into view, and keyboard and screen-reader users land on it.
 */
export function useFocusOnShow<T extends HTMLElement>(key: string): (el: T | null) => void {
  const shown = useRef<string | null>(null);
  return useCallback(
    (el: T | null) => {
      if (el && shown.current !== key) {
        shown.current = key;
        el.focus();
      }
    },
    [key],
  );
}

/** Focus the first heading of a panel when it opens (keyboard and screen-reader users land there). */
export function useFocusOnMount<T extends HTMLElement>(): RefObject<T> {
  const ref = useRef<T>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return ref;
}
