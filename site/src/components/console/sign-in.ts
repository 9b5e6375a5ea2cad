/**
 * The sign-in form: credentials to POST /api/v1/auth/token, the token into sessionStorage
 * (lib/console.ts), then on to the console of the user's role (or the page that sent them here).
 */
import { CONSOLE, problemText, type Lang } from '../../lib/console-i18n.ts';
import { HOME, loadSession, safeNext, signIn } from '../../lib/console.ts';

const root = document.getElementById('sign-in');
const form = document.getElementById('sign-in-form') as HTMLFormElement | null;
if (root && form) {
  const lang: Lang = root.dataset.lang === 'en' ? 'en' : 'vi';
  const t = CONSOLE[lang];
  const status = document.getElementById('sign-in-status') as HTMLElement;
  const button = document.getElementById('sign-in-submit') as HTMLButtonElement;
  const email = document.getElementById('email') as HTMLInputElement;
  const password = document.getElementById('password') as HTMLInputElement;
  const next = safeNext(new URLSearchParams(location.search).get('next'));
  const go = (role: keyof typeof HOME) => {
    const target = next ?? HOME[role];
    location.assign(
      lang === 'en' && !target.includes('lang=')
        ? `${target}${target.includes('?') ? '&' : '?'}lang=en`
        : target,
    );
  };
  const current = loadSession();
  if (current && !next) status.textContent = `${t.signedInAs} ${current.user.email}`;
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!email.value.trim() || !password.value) {
      status.textContent = t.invalid;
      (email.value.trim() ? password : email).focus();
      return;
    }
    button.disabled = true;
    status.textContent = t.signingIn;
    void signIn(email.value.trim().toLowerCase(), password.value).then((res) => {
      button.disabled = false;
      if (res.ok) {
        password.value = '';
        go(res.data.user.role);
        return;
      }
      status.textContent = res.status === 401 ? t.badCredentials : problemText(res, lang);
      password.select();
    });
  });
}
