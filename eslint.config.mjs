// Bugs the type checker lets through: a promise nobody awaits (an error that vanishes, a step that
// runs after the program exits), an expression whose value is dropped, and a Pulumi Output
// interpolated into a string (it prints "Calling [toString] on an Output<T> is not supported").
// Formatting is Prettier's business, not ESLint's.
import pulumi from "@pulumi/eslint-plugin";
import tseslint from "typescript-eslint";

export default tseslint.config(
    { ignores: ["node_modules/**", ".ci/toolchain/**", "reports/**", "**/*.js", "**/*.mjs"] },
    {
        files: ["**/*.ts"],
        languageOptions: {
            parser: tseslint.parser,
            parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
        },
        plugins: { "@typescript-eslint": tseslint.plugin, "@pulumi": pulumi },
        linterOptions: { reportUnusedDisableDirectives: "error" },
        rules: {
            "@typescript-eslint/no-floating-promises": "error",
            "@typescript-eslint/no-misused-promises": "error",
            "@typescript-eslint/no-unused-expressions": "error",
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
        },
    },
);
