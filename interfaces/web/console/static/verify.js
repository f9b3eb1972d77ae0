/* civicflow audit export verifier (format v2, docs/audit-format.md), in the browser and offline.
 *
 * A line-for-line port of civicflow_verify.py: the same records, checks, order of checks, line numbers and
 * reasons, so that the page and `civicflow-verify` give the same verdict and name the same first bad record.
 * Hashes and signatures by WebCrypto (SHA-256, Ed25519); nothing is sent anywhere.
 *
 * Python's json.loads / json.dumps are reproduced, not JSON.parse / JSON.stringify: the canonical form hashes
 * integers of any size, floats as Python's repr writes them (1e+16, 1e-05, 1.0), keys sorted by code point
 * (not UTF-16 unit), raw UTF-8 with only what JSON requires escaped — and a float 2.0 is not the integer 2.
 * So numbers are parsed into PyInt (a BigInt) and PyFloat, objects into Maps (insertion order, like a dict).
 */
(function (root) {
  "use strict";

  var VERSION = 2;
  var FORM_FIELDS = ["type", "aggregate_type", "aggregate_id", "version", "timestamp", "actor", "data"];
  var CHECKPOINT_FIELDS = ["v", "kind", "position", "head", "count", "at", "previous", "every"];
  var SEAL_FIELDS = ["v", "kind", "position", "head", "count", "at"];
  var CSV_COLUMNS = ["record", "position", "aggregate_type", "aggregate_id", "version", "type", "timestamp",
    "actor", "data", "display", "content_sha256", "state_sha256", "prev_hash", "hash", "kind", "v", "head",
    "count", "at", "previous", "every", "signature", "public_key"];
  var CSV_JSON = ["actor", "data", "display", "previous", "every"];
  var CSV_INTEGERS = ["position", "version", "count", "v"];
  var MAX_INT_DIGITS = 4300;  // Python 3.11's int/str conversion limit (json.loads and int() refuse more)
  var PY_SPACE = "\t\n\u000b\u000c\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680\u2000\u2001\u2002\u2003" +
    "\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";  // str.isspace()

  function PyInt(big) { this.big = big; }
  function PyFloat(num) { this.num = num; }
  function PyValueError(message) { this.message = message; }
  function Bad(line, reason, position) { this.line = line; this.reason = reason; this.position = position; }

  // --- Python's json.loads ---------------------------------------------------------------------------------
  function codePointIndex(text, unit) { return Array.from(text.slice(0, unit)).length; }

  function decodeError(text, message, unit) {  // JSONDecodeError's "msg: line L column C (char P)"
    var pos = codePointIndex(text, unit), before = Array.from(text).slice(0, pos);
    var line = before.filter(function (c) { return c === "\n"; }).length + 1;
    var column = line === 1 ? pos + 1 : pos - before.lastIndexOf("\n");
    return new PyValueError(message + ": line " + line + " column " + column + " (char " + pos + ")");
  }

  function loads(text) {
    if (text.charAt(0) === "\ufeff") throw decodeError(text, "Unexpected UTF-8 BOM (decode using utf-8-sig)", 0);
    var i = 0;
    function ws() { while (i < text.length && " \t\n\r".indexOf(text[i]) >= 0) i++; }
    function expecting(at) { throw decodeError(text, "Expecting value", at); }
    function value() {
      var c = text[i];
      if (c === "\"") return string();
      if (c === "{") return object();
      if (c === "[") return array();
      var words = [["null", null], ["true", true], ["false", false], ["NaN", new PyFloat(NaN)],
        ["Infinity", new PyFloat(Infinity)], ["-Infinity", new PyFloat(-Infinity)]];
      for (var w = 0; w < words.length; w++) {
        if (text.startsWith(words[w][0], i)) { i += words[w][0].length; return words[w][1]; }
      }
      return number();
    }
    function number() {
      var re = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;
      re.lastIndex = i;
      var m = re.exec(text);
      if (!m) expecting(i);
      i += m[0].length;
      if (m[1] !== undefined || m[2] !== undefined) return new PyFloat(Number(m[0]));
      var digits = m[0].replace("-", "").length;
      if (digits > MAX_INT_DIGITS) throw new PyValueError(intLimit(digits));
      return new PyInt(BigInt(m[0]));
    }
    function string() {
      var begin = i, out = "";
      i++;
      for (;;) {
        if (i >= text.length) throw decodeError(text, "Unterminated string starting at", begin);
        var c = text[i];
        if (c === "\"") { i++; return out; }
        if (c.charCodeAt(0) <= 0x1f) throw decodeError(text, "Invalid control character at", i);
        if (c !== "\\") { out += c; i++; continue; }
        if (i + 1 >= text.length) throw decodeError(text, "Unterminated string starting at", begin);
        var e = text[i + 1], simple = { "\"": "\"", "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
        if (e !== "u") {
          if (!(e in simple)) throw decodeError(text, "Invalid \\escape", i);
          out += simple[e]; i += 2; continue;
        }
        var hex = text.slice(i + 2, i + 6);
        if (i + 6 >= text.length) throw decodeError(text, "Invalid \\uXXXX escape", i + 1);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw decodeError(text, "Invalid \\uXXXX escape", i + 1);
        out += String.fromCharCode(parseInt(hex, 16));  // a pair of escapes joins by itself in UTF-16
        i += 6;
      }
    }
    function object() {
      var map = new Map();
      i++; ws();
      if (text[i] === "}") { i++; return map; }
      for (;;) {
        if (text[i] !== "\"") throw decodeError(text, "Expecting property name enclosed in double quotes", i);
        var key = string();
        ws();
        if (text[i] !== ":") throw decodeError(text, "Expecting ':' delimiter", i);
        i++; ws();
        map.set(key, value());
        ws();
        if (text[i] === "}") { i++; return map; }
        if (text[i] !== ",") throw decodeError(text, "Expecting ',' delimiter", i);
        i++; ws();
      }
    }
    function array() {
      var items = [];
      i++; ws();
      if (text[i] === "]") { i++; return items; }
      for (;;) {
        items.push(value());
        ws();
        if (text[i] === "]") { i++; return items; }
        if (text[i] !== ",") throw decodeError(text, "Expecting ',' delimiter", i);
        i++; ws();
      }
    }
    ws();
    if (i >= text.length) expecting(i);
    var result = value();
    ws();
    if (i !== text.length) throw decodeError(text, "Extra data", i);
    return result;
  }

  function intLimit(digits) {
    return "Exceeds the limit (4300 digits) for integer string conversion: value has " + digits +
      " digits; use sys.set_int_max_str_digits() to increase the limit";
  }

  // --- Python's json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False) ---------------------
  function compareCodePoints(a, b) {
    var i = 0, j = 0;
    while (i < a.length && j < b.length) {
      var x = a.codePointAt(i), y = b.codePointAt(j);
      if (x !== y) return x < y ? -1 : 1;
      i += x > 0xffff ? 2 : 1; j += y > 0xffff ? 2 : 1;
    }
    return (i < a.length) - (j < b.length);
  }

  function floatRepr(x, special) {
    if (Number.isNaN(x)) return special ? "NaN" : "nan";
    if (!Number.isFinite(x)) return (x < 0 ? "-" : "") + (special ? "Infinity" : "inf");
    if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
    var parts = Math.abs(x).toExponential().split("e"), digits = parts[0].replace(".", "");
    var exp = parseInt(parts[1], 10), sign = x < 0 ? "-" : "";
    if (exp < -4 || exp >= 16) {  // repr switches to an exponent where JS's toString does not
      var mantissa = digits.length > 1 ? digits[0] + "." + digits.slice(1) : digits;
      return sign + mantissa + "e" + (exp < 0 ? "-" : "+") + String(Math.abs(exp)).padStart(2, "0");
    }
    if (exp < 0) return sign + "0." + "0".repeat(-exp - 1) + digits;
    var whole = digits.slice(0, exp + 1).padEnd(exp + 1, "0"), fraction = digits.slice(exp + 1) || "0";
    return sign + whole + "." + fraction;
  }

  var ESCAPES = { "\"": "\\\"", "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" };

  function dumpString(s) {
    return "\"" + s.replace(/[\u0000-\u001f"\\]/g, function (c) {
      return ESCAPES[c] || "\\u00" + c.charCodeAt(0).toString(16).padStart(2, "0");
    }) + "\"";
  }

  function dumps(v) {
    if (v === null || v === undefined) return "null";
    if (v === true) return "true";
    if (v === false) return "false";
    if (v instanceof PyInt) return v.big.toString();
    if (v instanceof PyFloat) return floatRepr(v.num, true);
    if (typeof v === "string") return dumpString(v);
    if (Array.isArray(v)) return "[" + v.map(dumps).join(",") + "]";
    var keys = Array.from(v.keys()).sort(compareCodePoints);
    return "{" + keys.map(function (k) { return dumpString(k) + ":" + dumps(v.get(k)); }).join(",") + "}";
  }

  function utf8(text) {  // str.encode("utf-8"): a lone surrogate is an error, not U+FFFD
    var lone = /[\ud800-\udbff](?![\udc00-\udfff])|(?:[^\ud800-\udbff]|^)[\udc00-\udfff]/.exec(text);
    if (lone) {
      var unit = lone.index + (lone[0].length === 2 ? 1 : 0), ch = text[unit];
      throw new PyValueError("'utf-8' codec can't encode character '\\u" + ch.charCodeAt(0).toString(16) +
        "' in position " + codePointIndex(text, unit) + ": surrogates not allowed");
    }
    return new TextEncoder().encode(text);
  }

  function canonical(v) { return utf8(dumps(v)); }

  // --- Python's repr, bytes.fromhex, str.strip, int() -----------------------------------------------------
  function pyRepr(v) {
    if (v === null || v === undefined) return "None";
    if (v === true) return "True";
    if (v === false) return "False";
    if (v instanceof PyInt) return v.big.toString();
    if (v instanceof PyFloat) return floatRepr(v.num, false);
    if (Array.isArray(v)) return "[" + v.map(pyRepr).join(", ") + "]";
    if (v instanceof Map) {
      return "{" + Array.from(v.entries()).map(function (e) { return pyRepr(e[0]) + ": " + pyRepr(e[1]); })
        .join(", ") + "}";
    }
    var quote = v.indexOf("'") >= 0 && v.indexOf("\"") < 0 ? "\"" : "'";
    return quote + Array.from(v).map(function (c) {
      if (c === "\\" || c === quote) return "\\" + c;
      var named = { "\n": "\\n", "\r": "\\r", "\t": "\\t" }[c];
      if (named) return named;
      if (c === " " || !/[\p{C}\p{Z}]/u.test(c)) return c;
      var code = c.codePointAt(0), hex = code.toString(16);
      return code < 0x100 ? "\\x" + hex.padStart(2, "0") : code < 0x10000 ? "\\u" + hex.padStart(4, "0")
        : "\\U" + hex.padStart(8, "0");
    }).join("") + quote;
  }

  function fromHex(text) {  // bytes.fromhex: pairs of hex digits, ASCII whitespace allowed between pairs
    if (typeof text !== "string") throw new TypeError("fromhex() argument must be str");
    var out = [], i = 0;
    while (i < text.length) {
      if (" \t\n\r\u000b\u000c".indexOf(text[i]) >= 0) { i++; continue; }
      var pair = text.slice(i, i + 2);
      if (!/^[0-9a-fA-F]{2}$/.test(pair)) throw new PyValueError("non-hexadecimal number found in fromhex()");
      out.push(parseInt(pair, 16)); i += 2;
    }
    return new Uint8Array(out);
  }

  function pyStrip(text) {
    var start = 0, end = text.length;
    while (start < end && PY_SPACE.indexOf(text[start]) >= 0) start++;
    while (end > start && PY_SPACE.indexOf(text[end - 1]) >= 0) end--;
    return text.slice(start, end);
  }

  function asciiDigits(text) {  // int() reads any Unicode decimal digit (they come in runs of 0..9)
    return Array.from(text).map(function (c) {
      if (c >= "0" && c <= "9" || !/\p{Nd}/u.test(c)) return c;
      var code = c.codePointAt(0), start = code;
      while (/\p{Nd}/u.test(String.fromCodePoint(start - 1))) start--;
      return String((code - start) % 10);
    }).join("");
  }

  function pyInt(cell) {
    var text = asciiDigits(pyStrip(cell));
    if (!/^[+-]?[0-9]+(?:_[0-9]+)*$/.test(text)) {
      throw new PyValueError("invalid literal for int() with base 10: " + pyRepr(cell));
    }
    var digits = text.replace(/[+_-]/g, "");
    if (digits.length > MAX_INT_DIGITS) throw new PyValueError(intLimit(digits.length));
    return new PyInt(BigInt(text.replace(/_/g, "").replace("+", "")));
  }

  // --- reading an export: lines as Python's universal newlines split them, JSON Lines or CSV --------------
  function splitLines(text) {
    var lines = [], re = /[^\r\n]*(?:\r\n|\r|\n|$)/g, m;
    while ((m = re.exec(text)) !== null && m[0] !== "") { lines.push(m[0]); }
    return lines;
  }

  function CsvReader(lines, from) {  // Python's csv.reader, excel dialect (Modules/_csv.c's states)
    this.lines = lines; this.next = from; this.lineNum = 0;
  }
  CsvReader.prototype.read = function () {
    var fields = [], field = "", state = "START_RECORD", EOL = null;
    function save() { fields.push(field); field = ""; }
    function feed(c) {
      var newline = c === "\n" || c === "\r";
      if (state === "START_RECORD") {
        if (c === EOL) return;
        if (newline) { state = "EAT_CRNL"; return; }
        state = "START_FIELD";
      }
      if (state === "START_FIELD" || state === "IN_FIELD") {
        if (newline || c === EOL) { save(); state = c === EOL ? "START_RECORD" : "EAT_CRNL"; }
        else if (c === "\"" && state === "START_FIELD") state = "IN_QUOTED_FIELD";
        else if (c === ",") { save(); state = "START_FIELD"; }
        else { field += c; state = "IN_FIELD"; }
      } else if (state === "IN_QUOTED_FIELD") {
        if (c === "\"") state = "QUOTE_IN_QUOTED_FIELD";
        else if (c !== EOL) field += c;
      } else if (state === "QUOTE_IN_QUOTED_FIELD") {
        if (c === "\"") { field += c; state = "IN_QUOTED_FIELD"; }
        else if (c === ",") { save(); state = "START_FIELD"; }
        else if (newline || c === EOL) { save(); state = c === EOL ? "START_RECORD" : "EAT_CRNL"; }
        else { field += c; state = "IN_FIELD"; }
      } else if (state === "EAT_CRNL" && c === EOL) state = "START_RECORD";
    }
    do {
      if (this.next >= this.lines.length) {
        if (field.length !== 0 || state === "IN_QUOTED_FIELD") { save(); break; }
        return null;
      }
      var line = this.lines[this.next++];
      this.lineNum++;
      for (var k = 0; k < line.length; k++) feed(line[k]);
      feed(EOL);
    } while (state !== "START_RECORD");
    return fields;
  };

  function jsonRecord(line, number) {
    var record;
    try { record = loads(line); } catch (error) {
      if (error instanceof PyValueError) throw new Bad(number, "the line is not JSON: " + error.message);
      throw error;
    }
    if (!(record instanceof Map)) throw new Bad(number, "the line is not a JSON object");
    return record;
  }

  function csvRecord(header, cells, number) {
    var record = new Map();
    for (var k = 0; k < Math.min(header.length, cells.length); k++) {
      var name = header[k], cell = cells[k];
      if (cell === "") continue;  // absent (a present null is the JSON cell "null")
      try {
        record.set(name, CSV_JSON.indexOf(name) >= 0 ? loads(cell) : CSV_INTEGERS.indexOf(name) >= 0 ? pyInt(cell)
          : cell);
      } catch (error) {
        if (error instanceof PyValueError) throw new Bad(number, "a cell cannot be read: " + error.message);
        throw error;
      }
    }
    return record;
  }

  function* readRecords(text) {
    var lines = splitLines(text), first = lines.length ? lines[0] : "";
    if (pyStrip(first + "x").startsWith("{")) {  // lstrip() only: the "x" keeps the end
      yield [1, jsonRecord(first, 1)];
      for (var n = 1; n < lines.length; n++) {
        if (pyStrip(lines[n]) !== "") yield [n + 1, jsonRecord(lines[n], n + 1)];
      }
      return;
    }
    var header = new CsvReader([first], 0).read();
    if (header.join("\u0000") !== CSV_COLUMNS.join("\u0000") || header.length !== CSV_COLUMNS.length) {
      throw new Bad(1, "the first line is neither a JSON record nor the CSV header of format v2");
    }
    var reader = new CsvReader(lines, 1), cells;
    while ((cells = reader.read()) !== null) yield [reader.lineNum + 1, csvRecord(header, cells, reader.lineNum + 1)];
  }

  // --- hashes and signatures (WebCrypto) ------------------------------------------------------------------
  function hex(bytes) {
    return Array.from(new Uint8Array(bytes), function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }
  function concat(parts) {
    var size = parts.reduce(function (n, p) { return n + p.length; }, 0), out = new Uint8Array(size), at = 0;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }
  async function sha256(bytes) { return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)); }

  function isInt(v) { return v instanceof PyInt && v.big >= 0n; }  // not a bool, a float or a string of digits
  function isHex(v) {
    if (typeof v !== "string" || v.length !== 64) return false;
    try { fromHex(v); } catch (error) { return false; }
    return v === v.toLowerCase();
  }
  function equalsVersion(v) {
    return (v instanceof PyInt && v.big === BigInt(VERSION)) || (v instanceof PyFloat && v.num === VERSION);
  }
  function get(record, name) { return record.has(name) ? record.get(name) : null; }
  function need(record, name) {
    if (!record.has(name)) throw new PyValueError(pyRepr(name));  // str(KeyError('name'))
    return record.get(name);
  }

  async function contentSha256(record) {
    var form = new Map();
    FORM_FIELDS.forEach(function (name) { form.set(name, need(record, name)); });
    return hex(await sha256(canonical(form)));
  }

  async function leafHash(position, state, content) {
    if (!isHex(state) || !isHex(content)) throw new PyValueError("not a leaf of format v2");
    var text = "{\"content_sha256\":\"" + content + "\",\"position\":" + position.big + ",\"state_sha256\":\"" +
      state + "\",\"v\":" + VERSION + "}";
    return sha256(concat([new Uint8Array([0]), new TextEncoder().encode(text)]));
  }

  async function nextHead(previous, leaf) { return hex(await sha256(concat([new Uint8Array([1]), fromHex(previous), leaf]))); }

  async function signatureIsValid(publicKey, record) {
    try {
      var raw = fromHex(publicKey), signature = fromHex(need(record, "signature"));
      var fields = get(record, "kind") === "seal" ? SEAL_FIELDS : CHECKPOINT_FIELDS, payload = new Map();
      fields.forEach(function (name) { payload.set(name, need(record, name)); });
      if (raw.length !== 32) return false;
      var key = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
      return await crypto.subtle.verify({ name: "Ed25519" }, key, signature, canonical(payload));
    } catch (error) {
      return false;
    }
  }


  // --- the walk: civicflow_verify.FileVerifier ------------------------------------------------------------
  var GENESIS = "b38d6b716a68be534edf7d3dd8a07d2e1c2160df1c0e3b58b15e54a9ee670d8b";  // sha256("civicflow-audit-v2")

  function Verifier(publicKey) {
    publicKey = publicKey === null || publicKey === undefined ? null : pyStrip(publicKey).toLowerCase();
    this.trustedKey = publicKey; this.publicKey = publicKey;
    this.head = GENESIS; this.count = 0n; this.position = 0n; this.events = 0;
    this.start = null; this.seal = null; this.checkpoints = 0; this.headerSeen = false;
  }

  Verifier.prototype.run = async function (text) {
    var line = 0;
    try {
      for (var pair of readRecords(text)) { line = pair[0]; await this.record(pair[0], pair[1]); }
      if (this.seal === null) {
        throw new Bad(line + 1, "the file ends without its seal: records were dropped at the end, or it is cut");
      }
    } catch (error) {
      if (error instanceof Bad) return this.report(false, error.line, error.reason, error.position);
      throw error;
    }
    return this.report(true);
  };

  Verifier.prototype.record = async function (line, record) {
    var kind = get(record, "record");
    if (!this.headerSeen) { this.headerSeen = true; return this.header(line, record); }
    if (this.seal !== null) throw new Bad(line, "a record after the seal: the seal must end the file");
    if (kind === "event") return this.event(line, record);
    if (kind === "checkpoint" || kind === "seal") return this.signed(line, record, kind);
    throw new Bad(line, "unknown record type " + pyRepr(kind));
  };

  Verifier.prototype.header = function (line, record) {
    if (get(record, "record") !== "header" || !equalsVersion(get(record, "v"))) {
      throw new Bad(line, "the first record must be the header of format v2");
    }
    if (this.trustedKey !== null && get(record, "public_key") !== this.trustedKey) {
      throw new Bad(line, "the file was signed with another key than the one given (--public-key)");
    }
    this.publicKey = get(record, "public_key");
  };

  Verifier.prototype.event = async function (line, record) {
    var position, state, content, prevHash, claimedContent, claimedHash, head;
    try {
      position = need(record, "position"); state = need(record, "state_sha256"); content = await contentSha256(record);
      prevHash = need(record, "prev_hash"); claimedContent = need(record, "content_sha256");
      claimedHash = need(record, "hash");
    } catch (error) {
      if (!(error instanceof PyValueError)) throw error;
      throw new Bad(line, "the event record lacks a field or has a malformed one: " + error.message);
    }
    if (!(isInt(position) && isHex(prevHash) && typeof state === "string")) {
      throw new Bad(line, "the event record's position, state hash or previous hash is malformed", position);
    }
    if (position.big <= this.position) {
      throw new Bad(line, "the records are out of order (position not after the previous one)", position);
    }
    if (prevHash !== this.head) {
      throw new Bad(line, this.events === 0 ? "the first event does not chain to genesis or to the checkpoint " +
        "the file starts from: records were dropped at the start" : "the event does not chain to the one before " +
        "it: records were dropped, inserted or reordered", position);
    }
    if (claimedContent !== content) {
      throw new Bad(line, "a proven field was edited: the content hash does not match type, aggregate, version, " +
        "timestamp, actor and data", position);
    }
    try { head = await nextHead(this.head, await leafHash(position, state, content)); } catch (error) {
      if (!(error instanceof PyValueError)) throw error;
      throw new Bad(line, "the previous hash is not a SHA-256 hex digest", position);
    }
    if (claimedHash !== head) {
      throw new Bad(line, "the record's hash does not match its position, state hash and content hash", position);
    }
    this.head = head; this.count += 1n; this.position = position.big; this.events += 1;
  };

  Verifier.prototype.signed = async function (line, record, kind) {
    var position = get(record, "position"), count = get(record, "count"), head = get(record, "head");
    if (this.publicKey === null || !(await signatureIsValid(this.publicKey, record)) || get(record, "kind") !== kind) {
      throw new Bad(line, "the " + kind + "'s signature is not valid for the public key", position);
    }
    if (!(isInt(position) && isInt(count) && isHex(head))) {
      throw new Bad(line, "the " + kind + "'s position, count or head is malformed", position);
    }
    var starts = this.events === 0 && this.start === null && this.checkpoints === 0;
    if (kind === "checkpoint" && starts && position.big > 0n) {  // a range: proven from this checkpoint on
      this.head = head; this.count = count.big; this.position = position.big; this.start = record;
      return;
    }
    if (position.big !== this.position || head !== this.head || count.big !== this.count) {
      throw new Bad(line, "the signed " + kind + " does not match the chain recomputed up to it: records were " +
        "dropped, edited or reordered before it", position);
    }
    if (kind === "seal") this.seal = record; else this.checkpoints += 1;
  };

  function pick(record, names) {
    var out = new Map();
    names.forEach(function (name) { out.set(name, get(record, name)); });
    return out;
  }

  Verifier.prototype.report = function (ok, line, reason, position) {
    var start = this.start || new Map([["position", new PyInt(0n)], ["head", GENESIS], ["count", new PyInt(0n)]]);
    return new Map([["ok", ok], ["line", line === undefined || line === null ? null : new PyInt(BigInt(line))],
      ["position", position === undefined ? null : position], ["reason", reason === undefined ? null : reason],
      ["events", new PyInt(BigInt(this.events))], ["checkpoints", new PyInt(BigInt(this.checkpoints))],
      ["from", pick(start, ["position", "head", "count"])],
      ["to", this.seal === null ? null : pick(this.seal, ["position", "head", "count", "at"])],
      ["public_key", this.publicKey], ["key_source", this.trustedKey ? "given" :
        "the file's own (pass --public-key to check it)"]]);
  };

  /** The report of one export file's text, as civicflow-verify prints it (a Map; reportJSON gives its JSON). */
  async function verifyText(text, publicKey) {
    return new Verifier(publicKey === "" ? null : publicKey).run(text);
  }

  async function fingerprint(publicKey) {
    return isHex(publicKey) ? hex(await sha256(fromHex(publicKey))).slice(0, 16) : null;
  }

  root.CivicflowVerify = { verifyText: verifyText, reportJSON: dumps, fingerprint: fingerprint, loads: loads,
    canonical: canonical };

  // --- the page (console/verify.html): nothing leaves the browser -----------------------------------------
  function show(output, form, report, fingerprintText) {
    var ok = report.get("ok"), words = form.dataset;
    output.replaceChildren();
    var verdict = document.createElement("p");
    verdict.className = ok ? "verdict verdict-ok" : "verdict verdict-bad";
    verdict.textContent = ok ? words.proven : words.notProven + " " + words.atLine + " " + dumps(report.get("line")) +
      " (" + words.position + " " + dumps(report.get("position")) + "): " + report.get("reason");
    verdict.id = "verify-verdict";
    var facts = document.createElement("dl");
    [[words.events, dumps(report.get("events"))], [words.keySource, report.get("key_source")],
      [words.fingerprint, fingerprintText || "—"]].forEach(function (fact) {
      var term = document.createElement("dt"), value = document.createElement("dd");
      term.textContent = fact[0]; value.textContent = fact[1];
      facts.append(term, value);
    });
    var raw = document.createElement("pre");
    raw.id = "verify-report"; raw.className = "report"; raw.textContent = dumps(report);
    output.append(verdict, facts, raw);
  }

  async function onSubmit(event) {
    event.preventDefault();
    var form = event.target, output = document.getElementById("verify-result");
    var file = form.querySelector("input[type=file]").files[0], key = form.querySelector("textarea").value;
    if (!root.crypto || !crypto.subtle) { output.textContent = form.dataset.noCrypto; return; }
    if (!file) { output.textContent = form.dataset.noFile; return; }
    output.textContent = form.dataset.working;
    var text;
    try { text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(await file.arrayBuffer()); }
    catch (error) { output.textContent = form.dataset.unreadable; return; }
    var report = await verifyText(text, pyStrip(key) === "" ? null : key);
    show(output, form, report, await fingerprint(report.get("public_key")));
  }

  if (typeof document !== "undefined") {
    document.addEventListener("DOMContentLoaded", function () {
      var form = document.getElementById("verify-form");
      if (form) form.addEventListener("submit", onSubmit);
    });
  }
})(typeof window !== "undefined" ? window : globalThis);
