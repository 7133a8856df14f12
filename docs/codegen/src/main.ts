// The generated TypeScript at work: `node dist/main.js URL [API_KEY]` prints what it read
// from a running gateway as one JSON line (tests/codegen compares it with the gateway's
// own answers). Every result below is typed by the generated documents.
import { print } from "graphql";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import {
  ProvidersDocument,
  RecentRecordingsDocument,
  RecordingByIdDocument,
  type RecentRecordingsQuery,
} from "./gql/graphql.js";

async function request<R, V>(
  url: string,
  document: TypedDocumentNode<R, V>,
  variables: V,
  apiKey?: string,
): Promise<R> {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      ...(apiKey ? { Authorization: `Bearer ${apiKey}` } : {}),
    },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as { data?: R; errors?: unknown[] };
  if (body.errors || !body.data) {
    throw new Error(`GraphQL errors: ${JSON.stringify(body.errors)}`);
  }
  return body.data;
}

type Recording = RecentRecordingsQuery["recordings"]["nodes"][number];

const [url = "http://127.0.0.1:8080/graphql", apiKey] = process.argv.slice(2);
const page = await request(url, RecentRecordingsDocument, { first: 5 }, apiKey);
const nodes: Recording[] = page.recordings.nodes;
// DateTime and Decimal are strings (see codegen.ts); JSON is `unknown` until narrowed.
const createdAt: string[] = nodes.map((n) => n.createdAt);
const prices: string[] = nodes.flatMap((n) => (n.price ? [n.price.amount] : []));
const vendorKeys: string[] = nodes.flatMap((n) =>
  typeof n.providerData === "object" && n.providerData !== null ? Object.keys(n.providerData) : [],
);
const first = nodes[0];
const found = first ? await request(url, RecordingByIdDocument, { id: first.id }, apiKey) : null;
const providers = await request(url, ProvidersDocument, {}, apiKey);

console.log(
  JSON.stringify({
    ids: nodes.map((n) => n.id),
    createdAt,
    prices,
    hasVendorData: vendorKeys.length > 0,
    node: found?.node ? { typename: found.node.__typename, id: found.node.id } : null,
    providers: providers.providers.map((p) => p.name).sort(),
  }),
);
