/**
 * Every critic verdict, keyed `<issue>:<attempt>:<sequence>` (a legacy verdict has no
 * attempt: 0), newest kept. Two verdicts on one attempt (a second critic round) are two rows.
 */
import { attemptOf, issueOf } from "../fields.js";
import type { Projection } from "../projection.js";
import { verdictOf } from "../verdict.js";

export const verdictsProjection: Projection<"verdicts"> = {
  name: "verdicts",
  retain: 200,
  route(event) {
    if (event.kind !== "critique.issued") return [];
    const issue = issueOf(event);
    if (issue === undefined) return [];
    return [`${issue}:${attemptOf(event.payload) ?? 0}:${event.sequence}`];
  },
  reduce(_row, event) {
    return verdictOf(event, issueOf(event) ?? 0, attemptOf(event.payload) ?? 0);
  },
};
