package matcher

import "testing"

// TestTextFit checks how an expert's profile and record combine: never
// under either (an off-subject record cannot drown a bio on the subject,
// nor the reverse), the profile's fit alone without a record, and more
// than either when both speak for the subject.
func TestTextFit(t *testing.T) {
	tests := []struct{ profile, rec float64 }{
		{0, 0}, {0.4, 0}, {0, 0.4}, {0.3, 0.5}, {0.6, 0.6}, {1, 0.2}, {0.05, 0.9},
	}
	for _, tc := range tests {
		got := textFit(tc.profile, tc.rec)
		if got < max(tc.profile, tc.rec)-1e-12 || got > 1 {
			t.Errorf("textFit(%v, %v) = %v: under the better of the two, or over 1", tc.profile, tc.rec, got)
		}
		if tc.rec == 0 && got != tc.profile {
			t.Errorf("textFit(%v, 0) = %v: without a record, want the profile's fit", tc.profile, got)
		}
		if tc.profile > 0 && tc.rec > 0 && max(tc.profile, tc.rec) < 1 && got <= max(tc.profile, tc.rec) {
			t.Errorf("textFit(%v, %v) = %v: both on the subject must count more than the better alone", tc.profile, tc.rec, got)
		}
	}
}
