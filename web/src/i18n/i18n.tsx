/**
 * A small dictionary-based i18n: zh-CN by default, English on request.
 * The chosen language is kept in localStorage and applied to antd (through
 * `antdLocaleOf`) and dayjs.
 */
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import { zhCN, type MessageKey } from './messages.zh-CN';
import { en } from './messages.en';

export type { MessageKey };

/** Supported UI languages. */
export type Lang = 'zh-CN' | 'en';

/** Values substituted into `{name}` placeholders. */
export type Params = Record<string, string | number>;

/** The translation function handed to components and formatters. */
export type Translate = (key: MessageKey, params?: Params) => string;

const STORAGE_KEY = 'yunwei.lang';
const dictionaries: Record<Lang, Record<MessageKey, string>> = { 'zh-CN': zhCN, en };

function readStoredLang(): Lang {
  try {
    return window.localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'zh-CN';
  } catch {
    return 'zh-CN';
  }
}

let currentLang: Lang = readStoredLang();
applyLang(currentLang);

function applyLang(lang: Lang): void {
  dayjs.locale(lang === 'en' ? 'en' : 'zh-cn');
  document.documentElement.lang = lang;
}

/** True when `key` is a dictionary key (for codes that come from the server, e.g. audit actions). */
export function isMessageKey(key: string): key is MessageKey {
  return Object.prototype.hasOwnProperty.call(zhCN, key);
}

function fill(template: string, params?: Params): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const v = params[name];
    return v === undefined ? whole : String(v);
  });
}

/** Translates outside React (API client, formatters called before render). */
export function translate(key: MessageKey, params?: Params): string {
  return fill(dictionaries[currentLang][key], params);
}

interface I18nValue {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: Translate;
}

const I18nContext = createContext<I18nValue | null>(null);

/** Provides the current language and `t` to the tree. */
export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(currentLang);
  const setLang = useCallback((next: Lang) => {
    currentLang = next;
    applyLang(next);
    try {
      window.localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Storage may be unavailable (private mode); the choice then lasts for this page only.
    }
    setLangState(next);
  }, []);
  const value = useMemo<I18nValue>(() => {
    const dict = dictionaries[lang];
    return { lang, setLang, t: (key, params) => fill(dict[key], params) };
  }, [lang, setLang]);
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

/** The current language, its setter and `t`. */
export function useI18n(): I18nValue {
  const v = useContext(I18nContext);
  if (!v) throw new Error('useI18n must be used inside <I18nProvider>');
  return v;
}

/** Shorthand for `useI18n().t`. */
export function useT(): Translate {
  return useI18n().t;
}
