// Jifen: check a proof of liabilities in the page. A port of the standalone verifier
// (verifier/jifen_proof_verify.py, the reference: docs/proof-of-liabilities.md) to the
// browser's own SHA-256 and HMAC (crypto.subtle), so no outside script is trusted and
// nothing leaves the page. The proof is rebuilt up to its root and, when the day's
// published record is at hand (a file, or fetched from this board), compared with it.
(function () {
  "use strict";

  var FORMAT = "jifen-proof-of-liabilities/1";
  var HASH_SIZE = 32;
  var U64_LIMIT = BigInt(1) << BigInt(64);
  var encoder = new TextEncoder();

  function Problem(code, message) {
    this.code = code;
    this.message = message;
  }
  function invalid(message) { return new Problem("proof_invalid", message); }
  function mismatch(message) { return new Problem("proof_mismatch", message); }

  function tag(name) { return concat([encoder.encode("jifen:pol:" + name + ":v1"), new Uint8Array([0])]); }
  var MEMBER_TAG = tag("member");
  var LEAF_TAG = tag("leaf");
  var NODE_TAG = tag("node");
  var JOURNAL_LEAF_TAG = tag("journal-leaf");
  var JOURNAL_NODE_TAG = tag("journal-node");

  function concat(parts) {
    var size = 0, i;
    for (i = 0; i < parts.length; i++) size += parts[i].length;
    var out = new Uint8Array(size), at = 0;
    for (i = 0; i < parts.length; i++) { out.set(parts[i], at); at += parts[i].length; }
    return out;
  }

  function isInt(value) { return typeof value === "number" && Number.isSafeInteger(value); }

  // JSON numbers above 2^53 lose precision in JavaScript: such balances are refused
  // here (the Python verifier checks them) rather than checked wrongly.
  function u64(value, what) {
    if (!isInt(value) || value < 0) throw invalid(what + " is not an unsigned 64-bit integer");
    return u64big(BigInt(value), what);
  }
  function u64big(value, what) {
    if (value < BigInt(0) || value >= U64_LIMIT) throw invalid(what + " is not an unsigned 64-bit integer");
    var out = new Uint8Array(8);
    for (var i = 7; i >= 0; i--) { out[i] = Number(value & BigInt(255)); value >>= BigInt(8); }
    return out;
  }
  function readU64(bytes, offset) {
    var value = BigInt(0);
    for (var i = 0; i < 8; i++) value = (value << BigInt(8)) | BigInt(bytes[offset + i]);
    return value;
  }

  function hex32(value, what) {
    if (typeof value !== "string" || !/^[0-9a-fA-F]{64}$/.test(value)) throw invalid(what + " is not 64 hex digits");
    var out = new Uint8Array(32);
    for (var i = 0; i < 32; i++) out[i] = parseInt(value.substr(2 * i, 2), 16);
    return out;
  }
  function toHex(bytes) {
    var text = "";
    for (var i = 0; i < bytes.length; i++) text += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return text;
  }
  function same(a, b) {
    if (a.length !== b.length) return false;
    var diff = 0;
    for (var i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
    return diff === 0;
  }

  function day(value) {
    if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value)) throw invalid("the date is not YYYY-MM-DD");
    var parsed = new Date(value + "T00:00:00Z");
    if (isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== value) throw invalid("the date is not YYYY-MM-DD");
    return encoder.encode(value);
  }

  function sha256(bytes) {
    return crypto.subtle.digest("SHA-256", bytes).then(function (buffer) { return new Uint8Array(buffer); });
  }
  function hmac(key, bytes) {
    return crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"])
      .then(function (imported) { return crypto.subtle.sign("HMAC", imported, bytes); })
      .then(function (buffer) { return new Uint8Array(buffer); });
  }

  function node(hash, count, sums) {
    var parts = [hash, u64(count, "a count")];
    for (var i = 0; i < sums.length; i++) parts.push(u64(sums[i], "a sum"));
    return concat(parts);
  }
  function parent(left, right) {
    var sums = [];
    for (var offset = HASH_SIZE; offset < left.length; offset += 8) {
      sums.push(u64big(readU64(left, offset) + readU64(right, offset), "a sum of two children"));
    }
    return sha256(concat([NODE_TAG, left, right])).then(function (hash) { return concat([hash].concat(sums)); });
  }
  function journalParent(left, right) { return sha256(concat([JOURNAL_NODE_TAG, left, right])); }

  function rootNode(root, names, what) {
    if (!root || typeof root !== "object" || !root.sums || typeof root.sums !== "object") throw invalid(what + " needs hash, count and sums");
    var keys = Object.keys(root.sums).sort(), wanted = names.slice().sort();
    if (keys.join("\n") !== wanted.join("\n")) throw invalid(what + " sums other fields than the leaf");
    return node(hex32(root.hash, what + " hash"), root.count, names.map(function (n) { return root.sums[n]; }));
  }

  // Rebuild both roots; resolves to what was shown, rejects with a Problem.
  function verify(proof, record) {
    return Promise.resolve().then(function () {
      if (!proof || typeof proof !== "object" || proof.format !== FORMAT) throw invalid("this is not a " + FORMAT + " file");
      if (proof.kind !== "member-proof") throw invalid("this is not a member's proof");
      var date = day(proof.date), member = proof.member;
      if (typeof member !== "string") throw invalid("the member id is missing");
      var names = proof.fields;
      if (!Array.isArray(names) || !names.length || !names.every(function (n) { return typeof n === "string"; })) throw invalid("fields must be a list of names");
      var leaf = proof.leaf, path = proof.path, journal = proof.journal, depth = proof.depth;
      if (!leaf || typeof leaf !== "object" || !journal || typeof journal !== "object" || !Array.isArray(path)) throw invalid("leaf, journal and path are required");
      var journalPath = journal.path;
      if (!Array.isArray(journalPath) || !isInt(depth)) throw invalid("the journal path and depth are required");
      if (path.length !== depth || journalPath.length !== depth) throw invalid("the depth and the paths' lengths disagree");
      var index = leaf.index;
      u64(index, "the leaf index");
      if (depth > 52 || index >= Math.pow(2, depth)) throw invalid("the leaf index is beyond the tree");
      var nonce = hex32(leaf.nonce, "the nonce"), commitment = hex32(leaf.commitment, "the commitment");
      var balances = leaf.balances;
      if (!balances || typeof balances !== "object" || Object.keys(balances).sort().join("\n") !== names.slice().sort().join("\n")) throw invalid("the leaf's balances do not name the fields");
      var amounts = names.map(function (n) { return balances[n]; });
      var body = concat(amounts.map(function (a, i) { return u64(a, "balance " + names[i]); }));
      var seq = journal.seq, head = journal.head;
      if (typeof head !== "string" || !/^[\x00-\x7f]*$/.test(head) || head.length > 255) throw invalid("the chain head must be ASCII text");
      var seqBytes = u64(seq, "the journal seq");
      var side = function (level) { return Math.floor(index / Math.pow(2, level)) % 2 === 1; };
      var current, currentJournal;

      // 1. the leaf is bound to this member
      return hmac(nonce, concat([MEMBER_TAG, date, encoder.encode(member)])).then(function (expected) {
        if (!same(expected, commitment)) throw mismatch("the commitment is not " + member + "'s");
        // 2. the sum tree
        return sha256(concat([LEAF_TAG, date, commitment, nonce, new Uint8Array([names.length]), body]));
      }).then(function (leafHash) {
        current = node(leafHash, 1, amounts);
        var chain = Promise.resolve();
        path.forEach(function (sibling, level) {
          chain = chain.then(function () {
            if (!Array.isArray(sibling) || sibling.length !== names.length + 2) throw invalid("path node " + level + " must be [hash, count, sums...]");
            var other = node(hex32(sibling[0], "path node " + level), sibling[1], sibling.slice(2));
            if (sibling[1] > Math.pow(2, level)) throw invalid("path node " + level + " counts more members than it can hold");
            return (side(level) ? parent(other, current) : parent(current, other)).then(function (up) { current = up; });
          });
        });
        return chain;
      }).then(function () {
        // 3. the journal tree
        var raw = encoder.encode(head);
        return sha256(concat([JOURNAL_LEAF_TAG, date, commitment, seqBytes, new Uint8Array([raw.length]), raw]));
      }).then(function (journalLeaf) {
        currentJournal = journalLeaf;
        var chain = Promise.resolve();
        journalPath.forEach(function (siblingHex, level) {
          chain = chain.then(function () {
            var sibling = hex32(siblingHex, "journal path node " + level);
            return (side(level) ? journalParent(sibling, currentJournal) : journalParent(currentJournal, sibling)).then(function (up) { currentJournal = up; });
          });
        });
        return chain;
      }).then(function () {
        // 4. the roots: the file's, then the published record's
        if (!same(current, rootNode(proof.root, names, "the proof's root"))) throw mismatch("your leaf and path do not lead to the proof's root");
        if (!same(currentJournal, hex32(proof.journal_root, "the proof's journal root"))) throw mismatch("your chain head does not lead to the proof's journal root");
        var assets = { available: "points", locked: "points", withdrawing: "points" };
        if (record) {
          if (typeof record !== "object" || record.format !== FORMAT) throw invalid("the record is not a " + FORMAT + " record");
          if (record.date !== proof.date) throw mismatch("the proof is for " + proof.date + ", the record for " + record.date);
          var fields = record.fields;
          if (!Array.isArray(fields) || fields.map(function (f) { return f && f.name; }).join("\n") !== names.join("\n")) throw mismatch("the record commits to other fields");
          assets = {};
          fields.forEach(function (f) { assets[String(f.name)] = String(f.asset); });
          if (record.depth !== depth) throw mismatch("the record's tree has another depth");
          if (!same(current, rootNode(record.root, names, "the record's root"))) throw mismatch("your leaf is not under the published root");
          if (!same(currentJournal, hex32(record.journal_root, "the record's journal root"))) throw mismatch("your chain head is not under the published journal root");
        }
        var points = BigInt(0), total = BigInt(0);
        names.forEach(function (name, position) {
          if (assets[name] !== "points") return;
          points += BigInt(balances[name]);
          total += readU64(current, HASH_SIZE + 8 + 8 * position);
        });
        return {
          date: proof.date,
          member: member,
          points: points,
          points_total: total,
          members: readU64(current, HASH_SIZE),
          root: toHex(current.subarray(0, HASH_SIZE)),
          journal_root: toHex(currentJournal),
          compared_with_record: !!record
        };
      });
    });
  }

  function money(cents) {
    var whole = (cents / BigInt(100)).toString(), fraction = (cents % BigInt(100)).toString();
    return whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + "." + (fraction.length < 2 ? "0" : "") + fraction;
  }

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, name) { return name in values ? values[name] : all; });
  }

  function readFile(input) {
    var file = input && input.files && input.files[0];
    if (!file) return Promise.resolve(null);
    return file.text();
  }

  function parse(text) {
    try { return JSON.parse(text); } catch (error) { throw invalid("not JSON: " + error.message); }
  }

  // The record: the one given, else the board's for the proof's date (same origin).
  function recordFor(proof, given, base) {
    if (given) return Promise.resolve(parse(given));
    if (!base || !proof || typeof proof.date !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(proof.date)) return Promise.resolve(null);
    return fetch(base + proof.date + ".json", { credentials: "omit" }).then(function (response) {
      return response.ok ? response.json() : null;
    }).catch(function () { return null; });
  }

  function show(result, proofText, recordText, base) {
    result.setAttribute("data-state", "checking");
    result.textContent = "…";
    if (!window.crypto || !window.crypto.subtle || typeof BigInt === "undefined") {
      result.setAttribute("data-state", "unsupported");
      result.textContent = result.getAttribute("data-unsupported");
      return Promise.resolve();
    }
    var proof;
    return Promise.resolve().then(function () {
      proof = parse(proofText);
      return recordFor(proof, recordText, base);
    }).then(function (record) {
      return verify(proof, record);
    }).then(function (shown) {
      var text = fill(result.getAttribute("data-ok"), {
        member: shown.member, points: money(shown.points), total: money(shown.points_total),
        date: shown.date, members: shown.members.toString()
      });
      var how = shown.compared_with_record ? result.getAttribute("data-compared") : result.getAttribute("data-uncompared");
      result.setAttribute("data-state", shown.compared_with_record ? "verified" : "verified-unpublished");
      result.className = "ok";
      result.textContent = text + " " + fill(how, { root: shown.root, journal_root: shown.journal_root });
    }).catch(function (problem) {
      var code = problem && problem.code ? problem.code : "proof_invalid";
      var message = problem && problem.message ? problem.message : String(problem);
      result.setAttribute("data-state", code);
      result.className = "problem";
      result.textContent = fill(result.getAttribute(code === "proof_mismatch" ? "data-not" : "data-invalid"), { reason: message });
    });
  }

  function ready() {
    var form = document.querySelector("form[data-verify]");
    var result = document.getElementById("verify-result");
    if (form && result) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        Promise.all([readFile(form.elements.proof), readFile(form.elements.record)]).then(function (texts) {
          if (!texts[0]) return;
          return show(result, texts[0], texts[1], form.getAttribute("data-records"));
        });
      });
    }
    // "My proof": the member's own proof, checked as soon as the page opens
    var own = document.getElementById("proof-document");
    if (own && result) show(result, own.textContent, null, own.getAttribute("data-records"));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
