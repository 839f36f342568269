// Package matcher holds what the matchmaker knows about texts and how it
// pairs them: text analysis (tokens, stems and concepts in English, French
// and Spanish), the in-memory match index, the scoring of candidates with the
// explanation of every score, and the assembly of exchange pairs, review
// panels and tutoring teams.
//
// The text analysis is the ground floor. An Analyzer turns a challenge, a
// practice or an expert's bio into Tokens (Snowball stems with the accents
// folded, positions kept) and ConceptHits (the concepts of a Lexicon found
// through their terms in any of the three languages). Stems match within a
// language; concepts are how a French challenge finds an English-speaking
// expert.
//
// On the index sit the questions the assembly of panels and teams asks:
// Candidates (hundreds of experts for a challenge, each explained, with
// those a rule excludes if asked), SkillCoverage and KeySkills (which of the
// skills a challenge needs an expert covers, across languages), and Group
// (practices grouped by subject for comparison).
//
// Explanations hold no sentence: each reason is a stable code with its values
// (Reason, ReasonCodes), which a door says in the reader's language.
//
// The package imports no project package, neither bun nor echo: it works on
// plain values handed to it, so that it can be tested, benchmarked and reused
// without a database or a server. Its only dependencies are the standard
// library, github.com/kljensen/snowball and golang.org/x/text.
package matcher
