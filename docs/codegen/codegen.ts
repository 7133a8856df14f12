import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "schema.graphql",
  documents: ["operations.graphql"],
  generates: {
    "src/gql/": {
      preset: "client",
      presetConfig: { fragmentMasking: false },
      config: {
        // The gateway's custom scalars, as they travel in JSON:
        scalars: {
          DateTime: "string", // RFC 3339 with offset, e.g. "2026-11-30T23:52:05+00:00"
          Decimal: "string", // exact decimal as a string, e.g. "0.0040"
          JSON: "unknown", // any JSON value (providerData): narrow it before use
        },
        strictScalars: true, // a new scalar without a mapping fails here, not as `any`
        enumsAsTypes: true, // string unions: no TS enums (erasableSyntaxOnly, isolatedModules)
        useTypeImports: true, // `import type` (verbatimModuleSyntax)
      },
    },
  },
};

export default config;
