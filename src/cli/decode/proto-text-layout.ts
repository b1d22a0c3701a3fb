import { mapEntryName } from "./protoc-names.ts";

/**
 * What the `.proto` text says beyond what protobufjs' parse keeps: the
 * syntax line, and the order protoc gives each message's nested types.
 *
 * protoc declares a map field's entry type (`LabelsEntry`) where the field
 * is, among the nested messages in source order. Confluent's message-index
 * paths count those entries, so a descriptor rebuilt from text must list
 * them in the same place or a record's path names the wrong type. protobufjs
 * keeps fields and nested types apart, so the order is read from the text.
 */

/** The text with `//` and `/* *\/` comments blanked out (string literals kept); line breaks stay. */
export function stripProtoComments(text: string): string {
  let out = "";
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"' || c === "'") {
      let j = i + 1;
      while (j < text.length && text[j] !== c && text[j] !== "\n") {
        j += text[j] === "\\" ? 2 : 1;
      }
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      i = end === -1 ? text.length : end;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const comment = text.slice(i, end === -1 ? text.length : end + 2);
      out += comment.replace(/[^\n]/g, " ");
      i += comment.length;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** `proto2`, `proto3` or `editions`, from the first syntax or edition statement outside comments; proto2 when there is none, as protoc. */
export function protoTextSyntax(text: string): "proto2" | "proto3" | "editions" {
  const statement = /(?:^|[;\s])(syntax|edition)\s*=\s*["']([^"']*)["']/.exec(stripProtoComments(text));
  if (statement === null) {
    return "proto2";
  }
  return statement[1] === "edition" ? "editions" : statement[2] === "proto3" ? "proto3" : "proto2";
}

type Frame = { readonly kind: "file" | "other" } | { readonly kind: "message"; readonly path: string } | { readonly kind: "oneof"; readonly owner: string };

const TOKEN = /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|[A-Za-z_][A-Za-z0-9_]*|\S/g;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Each message's nested types in protoc's order, keyed by the message's
 * name relative to the package (`PaymentAudit`, `Outer.Inner`): nested
 * messages, groups and map entries (`LabelsEntry`) as they appear.
 */
export function nestedTypeOrder(text: string): Map<string, string[]> {
  const order = new Map<string, string[]>();
  const add = (owner: string, name: string) => {
    const list = order.get(owner) ?? [];
    list.push(name);
    order.set(owner, list);
  };
  const tokens: string[] = stripProtoComments(text).match(TOKEN) ?? [];
  const stack: Frame[] = [{ kind: "file" }];
  let pending: Frame | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const top = stack[stack.length - 1]!;
    if (t === "{") {
      stack.push(pending ?? { kind: "other" });
      pending = undefined;
    } else if (t === "}") {
      if (stack.length > 1) stack.pop();
    } else if ((top.kind === "file" || top.kind === "message") && t === "message" && IDENT.test(tokens[i + 1] ?? "") && tokens[i + 2] === "{") {
      const name = tokens[++i]!;
      if (top.kind === "message") add(top.path, name);
      pending = { kind: "message", path: top.kind === "message" ? `${top.path}.${name}` : name };
    } else if (top.kind === "message" && t === "map" && tokens[i + 1] === "<") {
      const close = tokens.indexOf(">", i);
      const field = tokens[close + 1];
      if (close !== -1 && field !== undefined && IDENT.test(field)) {
        add(top.path, mapEntryName(field));
        i = close + 1;
      }
    } else if ((top.kind === "message" || top.kind === "oneof") && t === "group" && IDENT.test(tokens[i + 1] ?? "")) {
      const owner = top.kind === "message" ? top.path : top.owner;
      const name = tokens[++i]!;
      add(owner, name);
      pending = { kind: "message", path: `${owner}.${name}` };
    } else if (top.kind === "message" && t === "oneof" && IDENT.test(tokens[i + 1] ?? "") && tokens[i + 2] === "{") {
      i++;
      pending = { kind: "oneof", owner: top.path };
    }
  }
  return order;
}
