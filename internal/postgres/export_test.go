package postgres

// SetMaxInFlight lets the external tests force calls to queue.
func SetMaxInFlight(c *Coalescer, n int) { c.maxInFlight = n }

// CoalescerState returns the batches running and the calls waiting.
func CoalescerState(c *Coalescer) (inFlight, pending int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.inFlight, len(c.pending)
}
