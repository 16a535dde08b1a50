/** Key paths, as every validation message names the place of a problem. */
import * as assert from "node:assert/strict";
import { at, join } from "../../components/core/keyPath";

describe("key paths", () => {
    it("joins plain names with dots and quotes any other key whole", () => {
        const cases: Array<[string, string, string]> = [
            ["", "apps", "apps"],
            [at("apps", 3), "database", "apps[3].database"],
            ["", "nocobase-platform:apps", "nocobase-platform:apps"],
            ["runtimes", "eu west", 'runtimes."eu west"'],
            ["runtimes", "1st", 'runtimes."1st"'],
            ["runtimes", "eu!", 'runtimes."eu!"'],
        ];
        for (const [path, key, expected] of cases) assert.equal(join(path, key), expected, `${path} + ${key}`);
    });
});
