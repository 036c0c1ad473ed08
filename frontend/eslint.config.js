import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

const features = ["account", "allocation", "auth", "evaluation", "factors", "ledger", "live", "orders"];

// Imports go one way, shared -> features -> app (as in bulletproof-react), and no
// feature reaches into another: what two features need lives in shared/.
const direction = [
  {
    files: ["src/shared/**", "src/config/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ group: ["@/features/*", "@/app/*"], message: "shared/ imports neither features nor app" }] },
      ],
    },
  },
  ...features.map((name) => ({
    files: [`src/features/${name}/**`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["@/app/*"], message: "features do not import app/" },
            {
              group: features.filter((f) => f !== name).map((f) => `@/features/${f}/*`),
              message: "a feature does not import another feature; move the shared part to shared/",
            },
          ],
        },
      ],
    },
  })),
];

export default tseslint.config(
  { ignores: ["node_modules", "src/shared/api/schema.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
    },
  },
  {
    files: ["scripts/**", "e2e/**", "*.config.*"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
  },
  {
    files: ["docs-page/**"],
    languageOptions: { globals: { window: "readonly", SwaggerUIBundle: "readonly" } },
  },
  ...direction,
);
