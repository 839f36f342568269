package main

import "matchmaker/matcher"

// detectLanguage is the matcher's language detection in the shape the store takes:
// profiles does not import the matcher.
func detectLanguage(text string) string {
	return string(matcher.DetectLanguage(text))
}
