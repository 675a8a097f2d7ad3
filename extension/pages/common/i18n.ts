/** Localised strings (_locales/fr is the default, en second) and `data-i18n` attributes in pages. */
import { getMessenger } from "../../background/messenger-types.ts";

/** Message names allow only [A-Za-z0-9_@]: codes like "no-card" are looked up as "no_card". */
export function messageName(key: string): string {
  return key.replace(/[^A-Za-z0-9_@]/g, "_");
}

export function t(key: string, subs?: string | string[]): string {
  const s = getMessenger().i18n.getMessage(messageName(key), subs);
  return s || key;
}

/**
 * A date for the user, in Thunderbird's language ("23 novembre 2026 à 15:32"), in local time;
 * `fallback` when the value is missing or not a date.
 */
export function formatDate(iso: string | null | undefined, fallback = "?", lang: string = getMessenger().i18n.getUILanguage()): string {
  if (!iso) return fallback;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return fallback;
  return new Intl.DateTimeFormat(lang.startsWith("fr") ? "fr-FR" : lang, { dateStyle: "long", timeStyle: "short" }).format(d);
}

/** Fills every element with data-i18n="key" (text) and data-i18n-placeholder / -title. */
export function localizeDocument(doc: Document = document): void {
  for (const el of Array.from(doc.querySelectorAll<HTMLElement>("[data-i18n]"))) el.textContent = t(el.dataset.i18n!);
  for (const el of Array.from(doc.querySelectorAll<HTMLInputElement>("[data-i18n-placeholder]")))
    el.placeholder = t(el.dataset.i18nPlaceholder!);
  for (const el of Array.from(doc.querySelectorAll<HTMLElement>("[data-i18n-title]"))) el.title = t(el.dataset.i18nTitle!);
  doc.documentElement.lang = getMessenger().i18n.getUILanguage().startsWith("fr") ? "fr" : "en";
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> = {},
  children: (Node | string)[] = [],
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  Object.assign(e, props);
  for (const c of children) e.append(c);
  return e;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`missing #${id}`);
  return e as T;
}
