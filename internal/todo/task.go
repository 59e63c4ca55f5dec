// Package todo holds users' tasks. Every operation takes the owner's user ID
// and every query filters on it, so one user can never see or change
// another's tasks: a task owned by someone else is simply not found.
package todo

import "time"

// Task is one to-do item.
type Task struct {
	// ID is the database identity.
	ID int64
	// Title is 1 to MaxTitleChars characters, trimmed.
	Title string
	// Description is free text up to MaxDescriptionChars characters; empty
	// when not given.
	Description string
	// Completed says whether the task is done.
	Completed bool
	// CreatedAt is when the task was created.
	CreatedAt time.Time
	// UpdatedAt is when the task last changed.
	UpdatedAt time.Time
}

// NewTask is what a user submits to create a task.
type NewTask struct {
	// Title is required, 1 to MaxTitleChars characters after trimming.
	Title string
	// Description is optional, up to MaxDescriptionChars characters.
	// Defaults to empty.
	Description string
	// Completed defaults to false.
	Completed bool
}

// Patch is a partial update: a nil field keeps its current value.
type Patch struct {
	// Title, when set, replaces the title under the same rules as NewTask.
	// Defaults to nil: unchanged.
	Title *string
	// Description, when set, replaces the description; "" clears it.
	// Defaults to nil: unchanged.
	Description *string
	// Completed, when set, marks the task done or not done. Defaults to
	// nil: unchanged.
	Completed *bool
}
