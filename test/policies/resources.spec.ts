/**
 * The pack's readers of what the program renders: image references, Docker's `NAME=value` lists,
 * and when an image counts as pinned, on references and lists written out here.
 */
import * as assert from "node:assert/strict";
import { imagePinProblem } from "../../policies/images";
import { isNocobaseImage, parseEnvList, parseImage } from "../../policies/resources";

describe("policy readers", () => {
    const IMAGES: Array<[string, ReturnType<typeof parseImage>]> = [
        ["nocobase/nocobase:2.2.15", { repository: "nocobase/nocobase", tag: "2.2.15", digest: undefined }],
        ["nocobase", { repository: "nocobase", digest: undefined }],
        [
            "registry.example.com:5000/nocobase/nocobase",
            { repository: "registry.example.com:5000/nocobase/nocobase", digest: undefined },
        ],
        [
            "registry.example.com:5000/nocobase/nocobase:2.2.15@sha256:abc",
            { repository: "registry.example.com:5000/nocobase/nocobase", tag: "2.2.15", digest: "sha256:abc" },
        ],
    ];
    for (const [ref, parsed] of IMAGES) it(`reads ${ref}`, () => assert.deepEqual(parseImage(ref), parsed));

    it("knows NocoBase's image on any registry, and no other image", () => {
        for (const ref of ["nocobase/nocobase:2.2.15", "mirror.example.com/nocobase/nocobase", "nocobase"])
            assert.equal(isNocobaseImage(ref), true, ref);
        for (const ref of ["nocobase/nocobase-postgres:16", "postgres:16", "nocobase/app:1"])
            assert.equal(isNocobaseImage(ref), false, ref);
    });

    it("takes a release tag or a digest as pinned, and names what is wrong otherwise", () => {
        assert.equal(imagePinProblem("nocobase/nocobase:2.2.15"), undefined);
        assert.equal(imagePinProblem("nocobase/nocobase:latest@sha256:abc"), undefined, "a digest pins any tag");
        assert.equal(
            imagePinProblem("nocobase/nocobase"),
            "image nocobase/nocobase has no tag (Docker reads it as latest)",
        );
        assert.equal(
            imagePinProblem("nocobase/nocobase:2.2.15-beta"),
            "image nocobase/nocobase:2.2.15-beta: tag 2.2.15-beta is not a pinned release like 2.2.15",
        );
    });

    it("reads Docker's NAME=value list, skipping what is not an entry", () => {
        assert.deepEqual(parseEnvList(["A=1", "B==2", "D=", "=x", "C", 5, null]), { A: "1", B: "=2", D: "" });
        assert.deepEqual(parseEnvList(undefined), {});
        assert.deepEqual(parseEnvList("A=1"), {});
    });
});
