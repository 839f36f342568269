// Package transfer moves a network's data in and out of matchmaker in bulk:
// the import of cities, practices, challenges and experts from CSV and JSONL
// files (every row checked before anything is written, every bad row named,
// all or nothing, repeatable by the network's own external references), their
// export in the same formats, streamed a page at a time, and the backup of a
// running SQLite database.
//
// It is part of the application layer: the command line and the API call it
// and only it. It writes through the profiles store, so that every imported
// row reaches the change feed and every replica's match index. It imports
// profiles only: never net/http, echo, api, web or cmd.
package transfer
