package web_test

import (
	"os"
	"testing"

	"matchmaker/web/browsertest"
)

// TestMain shares one chromium and one service per database across the
// package's browser journeys (browsertest.Shared), and stops them at the end.
func TestMain(m *testing.M) { os.Exit(browsertest.Main(m)) }
