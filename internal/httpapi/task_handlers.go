package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/todoapp/resetmail/internal/apperr"
	"github.com/todoapp/resetmail/internal/todo"
)

// taskView is a task as the API shows it.
type taskView struct {
	ID          int64     `json:"id"`
	Title       string    `json:"title"`
	Description string    `json:"description"`
	Completed   bool      `json:"completed"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func newTaskView(t todo.Task) taskView {
	return taskView{
		ID: t.ID, Title: t.Title, Description: t.Description, Completed: t.Completed,
		CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC(),
	}
}

type taskResponse struct {
	Task taskView `json:"task"`
}

type taskListResponse struct {
	Tasks []taskView `json:"tasks"`
	// NextCursor is null on the last page.
	NextCursor *string `json:"next_cursor"`
}

// handleListTasks returns a page of the user's tasks, newest first.
// Query parameters: completed (true|false), limit (1-100, default 50) and
// cursor (the previous page's next_cursor).
func (s *Server) handleListTasks(c *gin.Context) (answer, error) {
	params, err := listParams(c)
	if err != nil {
		return answer{}, err
	}
	page, err := s.tasks.List(c.Request.Context(), currentUser(c).ID, params)
	if err != nil {
		return answer{}, err
	}
	resp := taskListResponse{Tasks: make([]taskView, 0, len(page.Tasks))}
	for _, t := range page.Tasks {
		resp.Tasks = append(resp.Tasks, newTaskView(t))
	}
	if page.NextCursor != "" {
		resp.NextCursor = &page.NextCursor
	}
	return answer{status: http.StatusOK, body: resp}, nil
}

// listParams reads the list's query parameters; malformed ones are field
// errors, reported together.
func listParams(c *gin.Context) (todo.ListParams, error) {
	var p todo.ListParams
	fields := map[string]string{}
	switch v := c.Query("completed"); v {
	case "":
	case "true", "false":
		b := v == "true"
		p.Completed = &b
	default:
		fields["completed"] = "must be true or false"
	}
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > todo.MaxPageSize {
			fields["limit"] = fmt.Sprintf("must be a whole number between 1 and %d", todo.MaxPageSize)
		}
		p.Limit = n
	}
	p.Cursor = c.Query("cursor")
	if len(fields) > 0 {
		return p, apperr.Validation(fields)
	}
	return p, nil
}

type createTaskRequest struct {
	Title       string `json:"title"`
	Description string `json:"description"`
	Completed   bool   `json:"completed"`
}

// handleCreateTask creates a task: 201 with the task and its Location.
func (s *Server) handleCreateTask(c *gin.Context, req createTaskRequest) (answer, error) {
	t, err := s.tasks.Create(c.Request.Context(), currentUser(c).ID, todo.NewTask{Title: req.Title, Description: req.Description, Completed: req.Completed})
	if err == nil {
		c.Header("Location", "/api/tasks/"+strconv.FormatInt(t.ID, 10))
	}
	return taskAnswer(http.StatusCreated, t, err)
}

// handleGetTask returns one of the user's tasks.
func (s *Server) handleGetTask(c *gin.Context) (answer, error) {
	id, err := taskID(c)
	if err != nil {
		return answer{}, err
	}
	t, err := s.tasks.Get(c.Request.Context(), currentUser(c).ID, id)
	return taskAnswer(http.StatusOK, t, err)
}

// taskAnswer is the answer of the handlers that return one task.
func taskAnswer(status int, t todo.Task, err error) (answer, error) {
	if err != nil {
		return answer{}, err
	}
	return answer{status: status, body: taskResponse{Task: newTaskView(t)}}, nil
}

type updateTaskRequest struct {
	Title       nullable[string] `json:"title"`
	Description nullable[string] `json:"description"`
	Completed   nullable[bool]   `json:"completed"`
}

// handleUpdateTask changes the fields present in the body and keeps the
// others. null is refused: to clear the description, send "".
func (s *Server) handleUpdateTask(c *gin.Context) (answer, error) {
	// The path is checked before the body: a missing task is a 404 whatever
	// was sent.
	id, err := taskID(c)
	if err != nil {
		return answer{}, err
	}
	var req updateTaskRequest
	if err := decodeJSONBody(c.Request, &req); err != nil {
		return answer{}, err
	}
	fields := map[string]string{}
	if req.Title.Null {
		fields["title"] = "must not be null; leave it out to keep the current title"
	}
	if req.Description.Null {
		fields["description"] = `must not be null; send "" to clear it`
	}
	if req.Completed.Null {
		fields["completed"] = "must be true or false"
	}
	if len(fields) > 0 {
		return answer{}, apperr.Validation(fields)
	}
	t, err := s.tasks.Update(c.Request.Context(), currentUser(c).ID, id, todo.Patch{
		Title: req.Title.ptr(), Description: req.Description.ptr(), Completed: req.Completed.ptr(),
	})
	return taskAnswer(http.StatusOK, t, err)
}

// handleDeleteTask deletes one of the user's tasks: 204, or 404.
func (s *Server) handleDeleteTask(c *gin.Context) (answer, error) {
	id, err := taskID(c)
	if err != nil {
		return answer{}, err
	}
	if err := s.tasks.Delete(c.Request.Context(), currentUser(c).ID, id); err != nil {
		return answer{}, err
	}
	return answer{status: http.StatusNoContent}, nil
}

// taskID parses the :id path parameter. Anything but a positive integer
// names no task, so it is a 404 like any other missing task.
func taskID(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.New(apperr.CodeNotFound, "No such task.")
	}
	return id, nil
}
