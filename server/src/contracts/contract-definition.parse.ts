/**
 * Parse and validate a contract definition (YAML text) without touching the
 * database: syntax, schema, then cross-field consistency. Every problem is
 * reported with its field path and source line, in Chinese.
 */
import { LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import { ZContractDefinition, type PriceItemInput, type TContractDefinition } from './contract-definition.schema.ts';
import { checkContractDefinition } from './contract-definition.check.ts';

z.config(z.locales.zhCN());

/** One problem found in a contract definition. */
export interface DefinitionIssue {
  /** Dotted path into the document, e.g. `priceItems[0].children[2].amount`. */
  path: string;
  /** 1-based line in the YAML source, when known. */
  line: number | null;
  /** 1-based column in the YAML source, when known. */
  column: number | null;
  /** Chinese message for people. */
  message: string;
}

/** Result of parsing: either a valid definition or the list of issues. */
export type ParseResult =
  | { ok: true; definition: TContractDefinition }
  | { ok: false; issues: DefinitionIssue[] };

/** Format a path array as `a.b[0].c`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out || '(根)';
}

/** Parse YAML text into a validated contract definition. */
export function parseContractDefinition(text: string): ParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        return {
          path: '(根)',
          line: pos.line,
          column: pos.col,
          message: `YAML 语法错误：${translateYamlError(e.code, e.message)}`,
        };
      }),
    };
  }
  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  const locate = (path: readonly PropertyKey[]): { line: number | null; column: number | null } => {
    for (let len = path.length; len >= 0; len--) {
      const node = doc.getIn(path.slice(0, len) as unknown[], true) as YamlNode | undefined;
      if (node && typeof node === 'object' && 'range' in node && node.range) {
        const pos = lineCounter.linePos(node.range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
    return { line: null, column: null };
  };
  if (raw === null || typeof raw !== 'object') {
    return { ok: false, issues: [{ path: '(根)', line: 1, column: 1, message: '文件内容不是一个合同定义（应为 YAML 映射）' }] };
  }
  const parsed = ZContractDefinition.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.map((issue) => {
        const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
        const message =
          issue.code === 'unrecognized_keys' ? `未知字段：${issue.keys.join('、')}（请检查拼写，格式不允许未定义的字段）` : issue.message;
        return { path: formatPath(path), ...locate(path), message };
      }),
    };
  }
  const problems = checkContractDefinition(parsed.data);
  if (problems.length > 0) {
    return {
      ok: false,
      issues: problems.map((p) => ({ path: formatPath(p.path), ...locate(p.path), message: p.message })),
    };
  }
  return { ok: true, definition: parsed.data };
}

function translateYamlError(code: string, message: string): string {
  const known: Record<string, string> = {
    DUPLICATE_KEY: '同一层级出现重复的字段名',
    BAD_INDENT: '缩进不正确',
    MISSING_CHAR: '缺少必要的符号（如冒号或引号）',
    BLOCK_AS_IMPLICIT_KEY: '字段名写法不正确（可能缺少冒号或缩进错误）',
    UNEXPECTED_TOKEN: '出现了意外的符号',
    MULTILINE_IMPLICIT_KEY: '字段名不能跨行',
    TAB_AS_INDENT: '不能用制表符缩进，请改用空格',
    BAD_SCALAR_START: '值的开头字符不合法',
  };
  return known[code] ?? `${message.split('\n')[0] ?? message}`;
}

/** Walk every price item depth-first with its path. */
export function* walkPriceItems(
  items: readonly PriceItemInput[],
  basePath: readonly PropertyKey[] = ['priceItems'],
): Generator<{ item: PriceItemInput; path: PropertyKey[]; depth: number; parentKey: string | null }> {
  function* walk(list: readonly PriceItemInput[], path: readonly PropertyKey[], depth: number, parentKey: string | null): Generator<{
    item: PriceItemInput;
    path: PropertyKey[];
    depth: number;
    parentKey: string | null;
  }> {
    for (const [i, item] of list.entries()) {
      const p = [...path, i];
      yield { item, path: p, depth, parentKey };
      if (item.children) yield* walk(item.children, [...p, 'children'], depth + 1, item.key);
    }
  }
  yield* walk(items, basePath, 0, null);
}
