package webhook

import (
	"strconv"
	"strings"
	"time"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mailevent"
)

// sesEvent is the part of an SES event we read. SES event publishing (a
// configuration set's SNS destination) names the type in eventType; the
// older identity notifications name it in notificationType; the rest is
// the same.
type sesEvent struct {
	EventType        string `json:"eventType"`
	NotificationType string `json:"notificationType"`
	Mail             struct {
		MessageID string `json:"messageId"`
	} `json:"mail"`
	Bounce *struct {
		BounceType        string         `json:"bounceType"`
		BounceSubType     string         `json:"bounceSubType"`
		BouncedRecipients []sesRecipient `json:"bouncedRecipients"`
		Timestamp         time.Time      `json:"timestamp"`
	} `json:"bounce"`
	Complaint *struct {
		ComplainedRecipients  []sesRecipient `json:"complainedRecipients"`
		ComplaintFeedbackType string         `json:"complaintFeedbackType"`
		Timestamp             time.Time      `json:"timestamp"`
	} `json:"complaint"`
	Delivery *struct {
		Recipients   []string  `json:"recipients"`
		SMTPResponse string    `json:"smtpResponse"`
		Timestamp    time.Time `json:"timestamp"`
	} `json:"delivery"`
	DeliveryDelay *struct {
		DelayType         string         `json:"delayType"`
		DelayedRecipients []sesRecipient `json:"delayedRecipients"`
		Timestamp         time.Time      `json:"timestamp"`
	} `json:"deliveryDelay"`
}

type sesRecipient struct {
	EmailAddress   string `json:"emailAddress"`
	Status         string `json:"status"`
	DiagnosticCode string `json:"diagnosticCode"`
}

// SESEvents reads the SES event a verified SNS Notification carries in its
// Message: Bounce (Permanent is a hard bounce; Transient and Undetermined
// are soft), Complaint, Delivery and DeliveryDelay, one event per
// recipient. Other types (Send, Reject, Open, Click, …) yield none. The
// SNS MessageId is the event's identity: SNS keeps it across retries.
func SESEvents(m *SNSMessage) ([]mailevent.Event, error) {
	var e sesEvent
	if err := decodeStrict([]byte(m.Message), &e); err != nil {
		return nil, err
	}
	typ := e.EventType
	if typ == "" {
		typ = e.NotificationType
	}
	var out []mailevent.Event
	add := func(addr, t string, at time.Time, detail string) {
		out = append(out, mailevent.Event{
			Provider: mail.ProviderSES, EventID: m.MessageID, Recipient: mailevent.Key(addr), Type: t,
			MessageID: e.Mail.MessageID, OccurredAt: at, Detail: mailevent.CleanDetail(detail),
		})
	}
	switch typ {
	case "Bounce":
		if e.Bounce == nil {
			return nil, malformed("Bounce without bounce")
		}
		t := mailevent.TypeSoftBounce
		if e.Bounce.BounceType == "Permanent" {
			t = mailevent.TypeHardBounce
		}
		for _, r := range e.Bounce.BouncedRecipients {
			add(r.EmailAddress, t, e.Bounce.Timestamp,
				strings.TrimSpace(e.Bounce.BounceType+" "+e.Bounce.BounceSubType+" "+r.Status+" "+r.DiagnosticCode))
		}
	case "Complaint":
		if e.Complaint == nil {
			return nil, malformed("Complaint without complaint")
		}
		for _, r := range e.Complaint.ComplainedRecipients {
			add(r.EmailAddress, mailevent.TypeComplaint, e.Complaint.Timestamp, e.Complaint.ComplaintFeedbackType)
		}
	case "Delivery":
		if e.Delivery == nil {
			return nil, malformed("Delivery without delivery")
		}
		for _, r := range e.Delivery.Recipients {
			add(r, mailevent.TypeDelivered, e.Delivery.Timestamp, e.Delivery.SMTPResponse)
		}
	case "DeliveryDelay":
		if e.DeliveryDelay == nil {
			return nil, malformed("DeliveryDelay without deliveryDelay")
		}
		for _, r := range e.DeliveryDelay.DelayedRecipients {
			add(r.EmailAddress, mailevent.TypeDelayed, e.DeliveryDelay.Timestamp, e.DeliveryDelay.DelayType+" "+r.Status)
		}
	case "":
		return nil, malformed("the SES event has no eventType")
	default:
		return nil, nil
	}
	for i := range out {
		if out[i].Recipient == "" {
			return nil, malformed("recipient %s has no address", strconv.Itoa(i))
		}
		if out[i].OccurredAt.IsZero() {
			out[i].OccurredAt = time.Now()
		}
	}
	return out, nil
}
