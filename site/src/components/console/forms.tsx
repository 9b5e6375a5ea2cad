/**
 * Pieces of the registry consoles' lists and forms: inputs and selects bound to one field of a
 * form's state, a create action that carries its own Idempotency-Key, a search form, a folded "add"
 * form, and a panel that lists rows in a table. Built on the blocks of ui.tsx (Field, Show, Table).
 */
import type { ComponentChildren, InputHTMLAttributes, JSX } from 'preact';
import { useState } from 'preact/hooks';
import { CONSOLE, type Lang } from '../../lib/console-i18n.ts';
import { newId, post } from '../../lib/console.ts';
import { Field, Message, Show, Table, useAction, type Loaded } from './ui.tsx';

/** One string of a form's state: its value and how to set it. */
export interface Bound {
  value: string;
  set: (value: string) => void;
}

/** A form's fields (all strings); `bind(name)` ties an InputField or SelectField to one of them. */
export function useFields<F extends { [K in keyof F]: string }>(
  initial: F | (() => F),
): { form: F; setForm: (form: F) => void; bind: (name: keyof F) => Bound } {
  const [form, setForm] = useState<F>(initial);
  const bind = (name: keyof F): Bound => ({
    value: form[name],
    set: (value) => setForm({ ...form, [name]: value }),
  });
  return { form, setForm, bind };
}

/** A labelled <input> (`type` text unless said); the other attributes (required, maxLength…) go to the input. */
export function InputField(
  props: { id: string; label: string; hint?: string; field: Bound } & Omit<
    InputHTMLAttributes<HTMLInputElement>,
    'id' | 'label' | 'value' | 'onInput'
  >,
): JSX.Element {
  const { id, label, hint, field, type = 'text', ...input } = props;
  return (
    <Field id={id} label={label} hint={hint}>
      <input
        id={id}
        type={type}
        {...input}
        value={field.value}
        onInput={(e) => field.set(e.currentTarget.value)}
      />
    </Field>
  );
}

/** A labelled <select> of `children` (its options). */
export function SelectField(props: {
  id: string;
  label: string;
  field: Bound;
  required?: boolean;
  children: ComponentChildren;
}): JSX.Element {
  return (
    <Field id={props.id} label={props.label}>
      <select
        id={props.id}
        required={props.required}
        value={props.field.value}
        onChange={(e) => props.field.set(e.currentTarget.value)}
      >
        {props.children}
      </select>
    </Field>
  );
}

/** <option>s for a fixed list of codes, each named in the page's language where a name is known. */
export function CodeOptions(props: {
  codes: readonly string[];
  names?: Record<string, Record<Lang, string> | undefined>;
  lang: Lang;
}): JSX.Element {
  return (
    <>
      {props.codes.map((k) => (
        <option key={k} value={k}>
          {props.names?.[k]?.[props.lang] ?? k}
        </option>
      ))}
    </>
  );
}

/**
 * POST a new record to `path` ("created" is said once it is made); the Idempotency-Key is renewed
 * after each record made, so a retried submit never makes two. `action` may serve other calls too.
 */
export function useCreate(
  path: string,
  lang: Lang,
): { action: ReturnType<typeof useAction>; create: (body: unknown) => Promise<boolean> } {
  const [key, setKey] = useState(newId);
  const action = useAction();
  const create = async (body: unknown): Promise<boolean> => {
    const made = await action.run(
      () => post(path, body, { headers: { 'idempotency-key': key } }),
      CONSOLE[lang].created,
      lang,
    );
    if (!made) return false;
    setKey(newId());
    return true;
  };
  return { action, create };
}

/** A folded form that adds a record: its fields, then (spanning the row) `wide`, the button, the message. */
export function AddForm(props: {
  /** The summary and the button. */
  title: string;
  busy: boolean;
  /** Left out where the caller says its messages elsewhere. */
  message?: ReturnType<typeof useAction>['message'];
  onSubmit: () => void | Promise<void>;
  class?: string;
  wide?: ComponentChildren;
  children: ComponentChildren;
}): JSX.Element {
  return (
    <details class={props.class}>
      <summary>{props.title}</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void props.onSubmit();
        }}
        class="form-grid"
      >
        {props.children}
        <div class="full">
          {props.wide}
          <button type="submit" class="button" disabled={props.busy}>
            {props.title}
          </button>
          {props.message !== undefined && <Message message={props.message} />}
        </div>
      </form>
    </details>
  );
}

/** What is typed in a search form (`q`) and what was last searched for (`query`, trimmed). */
export interface Search {
  q: string;
  setQ: (q: string) => void;
  query: string;
  submit: () => void;
}

export function useSearch(): Search {
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  return { q, setQ, query, submit: () => setQuery(q.trim()) };
}

/** `path` (which has a query string already) with `&q=` the search, if there is one. */
export function withSearch(path: string, query: string): string {
  return `${path}${query ? `&q=${encodeURIComponent(query)}` : ''}`;
}

/** A search form of one labelled field; `button` adds a submit button of that name. */
export function SearchForm(props: {
  id: string;
  label: string;
  search: Search;
  button?: string;
}): JSX.Element {
  const s = props.search;
  return (
    <form
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        s.submit();
      }}
    >
      <Field id={props.id} label={props.label}>
        <input id={props.id} type="search" value={s.q} onInput={(e) => s.setQ(e.currentTarget.value)} />
      </Field>
      {props.button && (
        <button type="submit" class="button secondary small">
          {props.button}
        </button>
      )}
    </form>
  );
}

/**
 * A panel headed `title` (its id `id`): `search` if any, the list `loaded` as a table of `head` with
 * a `row` an item (nothing while `loaded` is null), then `children` (an add form, say).
 */
export function ListPanel<T>(props: {
  lang: Lang;
  id: string;
  title: string;
  search?: ComponentChildren;
  loaded: Loaded<{ items: T[] }> | null;
  retry?: () => void;
  head: string[];
  row: (item: T) => JSX.Element;
  children?: ComponentChildren;
}): JSX.Element {
  return (
    <section class="panel" aria-labelledby={props.id}>
      <h3 id={props.id}>{props.title}</h3>
      {props.search}
      {props.loaded && (
        <Show lang={props.lang} loaded={props.loaded} retry={props.retry}>
          {(data) => <Table head={props.head}>{data.items.map((x) => props.row(x))}</Table>}
        </Show>
      )}
      {props.children}
    </section>
  );
}
