import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FileDescriptorSet } from "@bufbuild/protobuf/wkt";
import { buildImage, REPO } from "../codegen/plugin-harness.ts";

/** Compiles test/encoder/fixtures with logwire's options.proto (imported as `logwire/v1/options.proto`). */
export function buildEncoderFixtureImage(): FileDescriptorSet {
  const tmp = mkdtempSync(join(tmpdir(), "logwire-encoder-fixtures-"));
  try {
    cpSync(join(REPO, "test", "encoder", "fixtures"), tmp, { recursive: true });
    mkdirSync(join(tmp, "logwire", "v1"), { recursive: true });
    cpSync(join(REPO, "proto", "logwire", "v1", "options.proto"), join(tmp, "logwire", "v1", "options.proto"));
    return buildImage(tmp);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
