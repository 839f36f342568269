package notify

// SetCrashAfterSend makes DeliverDue stop between sending and marking
// whenever f says so, as a worker killed there would.
func SetCrashAfterSend(o *Outbox, f func() bool) { o.crashAfterSend = f }
