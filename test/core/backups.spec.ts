/** The names dumps are written under, which the providers, the plan and the docs share. */
import * as assert from "node:assert/strict";
import { fileTimestamp } from "../../components/core/backups";

describe("dump file names", () => {
    it("write a moment without the colons and dots a file name cannot always hold", () => {
        assert.equal(fileTimestamp(new Date("2026-01-01T00:00:00.000Z")), "2026-01-01T00-00-00-000Z");
    });
});
