// FortiOS configuration reader: backups and `show full-configuration` text -> a tree of config blocks, edit entries and settings.

/** A `config <path>` block, an `edit <key>` entry, or the file's top level. */
export interface ConfNode {
  kind: 'root' | 'config' | 'edit';
  /** 'firewall policy' for a config block, the entry key ('1', 'default') for an edit, '' for the root. */
  name: string;
  /** 1-based line of the `config`/`edit` statement (0 for the root). */
  line: number;
  /** `set` statements by (lower-case) field name; values with quotes removed and escapes resolved. */
  settings: Map<string, string[]>;
  /** Fields cleared with `unset`. */
  unset: Set<string>;
  /** Nested `config` blocks in file order (several blocks may share a name, e.g. the repeated `config vdom`). */
  configs: ConfNode[];
  /** `edit` entries in file order. */
  edits: ConfNode[];
}

export interface ConfigHeader {
  /** 'FGT60F' */
  model?: string;
  /** As written: '7.2.8', '5.06', '4.00', '3.00'. */
  version?: string;
  build?: number;
  opmode?: string;
  vdomMode?: boolean;
  /** A single-VDOM backup of a multi-VDOM unit names its VDOM: `#global_vdom=0:vd_name=root/root`. */
  vdomName?: string;
  /** The raw `#config-version=` value without the user field. */
  raw: string;
}

export interface ParseError {
  /** One line, never containing configuration text (values may be secrets). */
  message: string;
  line: number;
}

export interface ParsedConfig {
  root: ConfNode;
  header?: ConfigHeader;
  /** Damage found (truncation, unbalanced end, unterminated quote): the tree holds everything read before and after. */
  error: ParseError | null;
  /** Statements understood (set/unset/config/edit/next/end). */
  statements: number;
  /** Lines passed over: prompts, pager marks, unknown statements. */
  skipped: number;
  lines: number;
}

function newNode(kind: ConfNode['kind'], name: string, line: number): ConfNode {
  return { kind, name, line, settings: new Map(), unset: new Set(), configs: [], edits: [] };
}

/**
 * Split one logical statement into words. Quoted words may span lines (certificates, replacement messages); the
 * scanner works on the whole text so `config`/`end` inside a quoted value never confuse the block structure.
 */
interface Statement {
  words: string[];
  line: number;
}

function unescape(s: string): string {
  return s.includes('\\') ? s.replace(/\\([\s\S])/g, '$1') : s;
}

function* statements(text: string, onError: (e: ParseError) => void): Generator<Statement> {
  const n = text.length;
  let pos = 0;
  let line = 0;
  while (pos < n) {
    let eol = text.indexOf('\n', pos);
    if (eol === -1) eol = n;
    line++;
    const startLine = line;
    let p = pos;
    while (p < eol && (text.charCodeAt(p) === 32 || text.charCodeAt(p) === 9)) p++;
    if (p >= eol || text.charCodeAt(p) === 35 /* # */ || (text.charCodeAt(p) === 13 && p + 1 >= eol)) {
      pos = eol + 1;
      continue;
    }
    const words: string[] = [];
    let unterminated = false;
    for (;;) {
      // Skip blanks; stop at the end of the (logical) line.
      while (p < eol) {
        const c = text.charCodeAt(p);
        if (c !== 32 && c !== 9 && c !== 13) break;
        p++;
      }
      if (p >= eol) break;
      const c = text.charCodeAt(p);
      if (c === 34 /* " */) {
        // Quoted word (FortiOS writes only double quotes): may run over several lines (certificates, replacement
        // messages).
        const q = c;
        let j = p + 1;
        for (;;) {
          if (j >= n) { unterminated = true; break; }
          const d = text.charCodeAt(j);
          if (d === 92 /* \ */) { if (text.charCodeAt(j + 1) === 10) line++; j += 2; continue; }
          if (d === q) break;
          if (d === 10) line++;
          j++;
        }
        if (unterminated) break;
        const raw = text.slice(p + 1, j);
        words.push(unescape(raw));
        p = j + 1;
        if (p > eol) { eol = text.indexOf('\n', p); if (eol === -1) eol = n; }
        continue;
      }
      let j = p;
      while (j < eol) {
        const d = text.charCodeAt(j);
        if (d === 32 || d === 9 || d === 13) break;
        j++;
      }
      const bare = text.slice(p, j);
      // `show full-configuration` prints empty values as ''.
      words.push(bare === "''" ? '' : bare);
      p = j;
    }
    if (unterminated) {
      onError({ message: `unterminated quoted value starting on line ${startLine} (file truncated?)`, line: startLine });
      return;
    }
    pos = eol + 1;
    if (words.length) yield { words, line: startLine };
  }
}

const HEADER_RE = /#config-version=([^:\r\n]*)((?::[^\r\n]*)?)/;

export function parseHeader(text: string): ConfigHeader | undefined {
  const head = text.slice(0, 4096);
  const m = HEADER_RE.exec(head);
  if (!m) return undefined;
  const raw = m[1].trim();
  const h: ConfigHeader = { raw };
  // MODEL-VERSION-FW-buildNNNN-YYMMDD; the model may itself contain dashes on some platforms.
  const vm = /^(.*?)-(\d{1,2}\.\d{1,2}(?:\.\d{1,3})?)-[A-Z]{2,}(?:-build0*(\d{1,5}))?/.exec(raw);
  if (vm) {
    h.model = vm[1] || undefined;
    h.version = vm[2];
    if (vm[3] !== undefined) h.build = Number(vm[3]);
  }
  for (const kv of m[2].split(':')) {
    const [k, v] = kv.split('=');
    if (k === 'opmode') h.opmode = v === '1' ? 'transparent' : v === '0' ? 'nat' : v;
    if (k === 'vdom') h.vdomMode = v === '1';
  }
  const vd = /^#global_vdom=0:vd_name=([^/\r\n]+)/m.exec(head);
  if (vd) h.vdomName = vd[1];
  const b = /^#buildno=0*(\d{1,5})/m.exec(head);
  if (h.build === undefined && b) h.build = Number(b[1]);
  return h;
}

/** Pager marks and CLI prompts left in pasted `show full-configuration` output. */
function cleanPaste(text: string): string {
  if (!text.includes('--More--') && !text.includes('\x08')) return text;
  // '--More--' followed by erase characters or a CR; the statement continues on the same line. A backspace erases
  // the character before it.
  return text.replace(/--More--[\x08 \r]*/g, '').replace(/[^\n]\x08/g, '');
}

/**
 * Parse a FortiOS configuration. Never throws: damage is reported in `error` with its line, and the tree keeps
 * everything read. Open blocks at the end of the file are closed implicitly (and reported as truncation).
 */
export function parseConfig(input: string): ParsedConfig {
  const text = cleanPaste(input.charCodeAt(0) === 0xfeff ? input.slice(1) : input);
  const root = newNode('root', '', 0);
  const stack: ConfNode[] = [root];
  let error: ParseError | null = null;
  let count = 0;
  let skipped = 0;
  const setError = (e: ParseError) => { if (!error) error = e; };

  for (const st of statements(text, setError)) {
    const w = st.words;
    const verb = w[0].toLowerCase();
    const top = stack[stack.length - 1];
    switch (verb) {
      case 'config': {
        if (w.length < 2) { skipped++; break; }
        // A config block lives in an edit entry, another config block that holds settings, or the root.
        const node = newNode('config', w.slice(1).join(' ').toLowerCase(), st.line);
        top.configs.push(node);
        stack.push(node);
        count++;
        break;
      }
      case 'edit': {
        if (w.length < 2 || top.kind !== 'config') {
          setError({ message: `line ${st.line}: edit outside a config block`, line: st.line });
          skipped++;
          break;
        }
        const node = newNode('edit', w.slice(1).join(' '), st.line);
        top.edits.push(node);
        stack.push(node);
        count++;
        break;
      }
      case 'next': {
        if (top.kind === 'edit') { stack.pop(); count++; }
        else { setError({ message: `line ${st.line}: next without edit`, line: st.line }); skipped++; }
        break;
      }
      case 'end': {
        // `end` closes the innermost config block; an edit left open (no `next`) is closed with it.
        if (top.kind === 'edit') stack.pop();
        if (stack[stack.length - 1].kind === 'config') { stack.pop(); count++; }
        else { setError({ message: `line ${st.line}: end without config`, line: st.line }); skipped++; }
        break;
      }
      case 'set': {
        if (w.length < 2 || top.kind === 'root') { skipped++; break; }
        const key = w[1].toLowerCase();
        top.settings.set(key, w.slice(2).filter((v) => v !== ''));
        top.unset.delete(key);
        count++;
        break;
      }
      case 'unset': {
        if (w.length < 2 || top.kind === 'root') { skipped++; break; }
        const key = w[1].toLowerCase();
        top.settings.delete(key);
        top.unset.add(key);
        count++;
        break;
      }
      default:
        // Prompts ('FGT60F # show full-configuration'), `show`/`get` echoes, anything else we do not know.
        skipped++;
        break;
    }
  }
  if (stack.length > 1 && !error) {
    const open = stack[stack.length - 1];
    const what = open.kind === 'config' ? `config ${open.name}` : `edit ${open.name.slice(0, 40)}`;
    const lines = countLines(text);
    setError({
      message: `file ends inside ${stack.length - 1} open block(s) (innermost "${what}" from line ${open.line}): truncated at line ${lines}`,
      line: lines,
    });
  }
  return { root, header: parseHeader(text), error, statements: count, skipped, lines: countLines(text) };
}

function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  if (text.endsWith('\n')) n--;
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// Navigation helpers.

/** Nested config blocks of `node` with this path, in order (FortiOS allows the same block twice; later wins per key). */
export function configs(node: ConfNode, path: string): ConfNode[] {
  const p = path.toLowerCase();
  return node.configs.filter((c) => c.name === p);
}

/** All `edit` entries of the config blocks named `path` under `node`, later definitions overriding earlier ones. */
export function table(node: ConfNode, path: string): Map<string, ConfNode> {
  const out = new Map<string, ConfNode>();
  for (const c of configs(node, path)) for (const e of c.edits) out.set(e.name, mergeNode(out.get(e.name), e));
  return out;
}

/** Settings of the config blocks named `path` under `node` (for blocks without edit entries, e.g. `system settings`). */
export function block(node: ConfNode, path: string): ConfNode | undefined {
  let out: ConfNode | undefined;
  for (const c of configs(node, path)) out = mergeNode(out, c);
  return out;
}

function mergeNode(a: ConfNode | undefined, b: ConfNode): ConfNode {
  if (!a) return b;
  const m = newNode(b.kind, b.name, a.line);
  for (const [k, v] of a.settings) m.settings.set(k, v);
  for (const k of a.unset) m.unset.add(k);
  for (const [k, v] of b.settings) { m.settings.set(k, v); m.unset.delete(k); }
  for (const k of b.unset) { m.unset.add(k); m.settings.delete(k); }
  m.configs = [...a.configs, ...b.configs];
  m.edits = [...a.edits, ...b.edits];
  return m;
}

export function get(node: ConfNode | undefined, key: string): string[] | undefined {
  return node?.settings.get(key.toLowerCase());
}

export function get1(node: ConfNode | undefined, key: string): string | undefined {
  const v = node?.settings.get(key.toLowerCase());
  return v && v.length ? v.join(' ') : undefined;
}

/**
 * Configuration scopes: one per VDOM on multi-VDOM units (the repeated `config vdom` / `edit <name>` blocks merged),
 * otherwise the root alone with `vdom` undefined.
 */
export function vdomScopes(cfg: ParsedConfig): Array<{ vdom?: string; node: ConfNode }> {
  const vdomBlocks = configs(cfg.root, 'vdom');
  if (!vdomBlocks.length) {
    // A VDOM backup from a multi-VDOM unit: the whole file is that VDOM (commands must enter it first).
    return cfg.header?.vdomMode && cfg.header.vdomName ? [{ vdom: cfg.header.vdomName, node: cfg.root }] : [{ node: cfg.root }];
  }
  const scopes = new Map<string, ConfNode>();
  for (const b of vdomBlocks) {
    for (const e of b.edits) {
      const prev = scopes.get(e.name);
      scopes.set(e.name, prev ? mergeNode(prev, e) : e);
    }
  }
  if (!scopes.size) return [{ node: cfg.root }];
  return [...scopes].map(([vdom, node]) => ({ vdom, node }));
}
