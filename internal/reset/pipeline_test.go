package reset_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/delivery"
	"github.com/todoapp/resetmail/internal/testutil"
)

// TestHostileNamesNeverReachTheMail: security mail carries no user-chosen
// text, so a name built to inject markup or headers appears nowhere.
func TestHostileNamesNeverReachTheMail(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, bundleOpts{})
	b.resetOne(t, "mallory@example.com", "<script>alert(1)</script>\r\nBcc: victim@evil.example.com")
	require.NoError(t, b.smtp.WaitForCount(ctx, 1))
	msg := b.smtp.Messages()[0]
	require.Equal(t, []string{"mallory@example.com"}, msg.To, "no extra envelope recipient")

	parsed, err := testutil.ParseMail(msg.Data)
	require.NoError(t, err)
	require.Empty(t, parsed.Header.Get("Bcc"))
	require.NotContains(t, strings.ToLower(string(msg.Data)), "script")
	require.NotContains(t, string(msg.Data), "evil.example")
	for key := range parsed.Header {
		require.NotEqual(t, "bcc", strings.ToLower(key))
	}
}

// TestTwoWorkersDeliverEachMailExactlyOnce runs two River clients, as two
// worker processes would, over one database.
func TestTwoWorkersDeliverEachMailExactlyOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, bundleOpts{})
	startWorker(t, b.db, b.smtp, b.key, delivery.NopObserver{}, 0)

	const n = 500
	for i := range n {
		b.addUser(t, fmt.Sprintf("user%03d@example.com", i), "User")
	}
	for i := range n {
		_, err := b.svc.RequestReset(ctx, fmt.Sprintf("user%03d@example.com", i))
		require.NoError(t, err)
	}
	b.waitJob(t, "password_reset_email", n)
	require.NoError(t, b.smtp.WaitForCount(ctx, n))

	// Give any stray duplicate a moment to arrive before counting.
	time.Sleep(200 * time.Millisecond)
	perRecipient := map[string]int{}
	for _, m := range b.smtp.Messages() {
		perRecipient[m.To[0]]++
	}
	require.Len(t, perRecipient, n)
	for to, c := range perRecipient {
		require.Equal(t, 1, c, "%s got %d mails", to, c)
	}
}

func TestSMTPServerDownThenBackDeliversEverything(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := setup(t, bundleOpts{})
	const n = 20
	for i := range n {
		b.addUser(t, fmt.Sprintf("down%02d@example.com", i), "User")
	}

	b.smtp.Down()
	dialsBefore := b.smtp.Dials()
	for i := range n {
		_, err := b.svc.RequestReset(ctx, fmt.Sprintf("down%02d@example.com", i))
		require.NoError(t, err)
	}
	time.Sleep(time.Second)
	dialsWhileDown := b.smtp.Dials() - dialsBefore
	// A snooze records no error, so the job's output says why it waits.
	var meta string
	meta, err := b.db.Fixtures.JobMetadata(ctx, b.db.Pool, "password_reset_email")
	require.NoError(t, err)
	require.Contains(t, meta, "provider down, still retrying")
	require.NotContains(t, meta, "down00@")
	require.NoError(t, b.smtp.Up())

	b.waitJob(t, "password_reset_email", n)
	require.Equal(t, n, b.smtp.Count())
	// With 20 jobs retrying every 20-100 ms for a second, a hot loop
	// would dial hundreds of times; the dial backoff keeps it to a few.
	require.Less(t, dialsWhileDown, int64(30), "dials while the server was down")
}
