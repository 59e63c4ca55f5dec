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
func (s *Server) handleListTasks(c *gin.Context) {
	params, err := listParams(c)
	if err != nil {
		s.writeError(c, err)
		return
	}
	page, err := s.tasks.List(c.Request.Context(), currentUser(c).ID, params)
	if err != nil {
		s.writeError(c, err)
		return
	}
	resp := taskListResponse{Tasks: make([]taskView, 0, len(page.Tasks))}
	for _, t := range page.Tasks {
		resp.Tasks = append(resp.Tasks, newTaskView(t))
	}
	if page.NextCursor != "" {
		resp.NextCursor = &page.NextCursor
	}
	c.JSON(http.StatusOK, resp)
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
func (s *Server) handleCreateTask(c *gin.Context) {
	var req createTaskRequest
	if !s.decodeJSON(c, &req) {
		return
	}
	t, err := s.tasks.Create(c.Request.Context(), currentUser(c).ID, todo.NewTask{Title: req.Title, Description: req.Description, Completed: req.Completed})
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Header("Location", "/api/tasks/"+strconv.FormatInt(t.ID, 10))
	c.JSON(http.StatusCreated, taskResponse{Task: newTaskView(t)})
}

// handleGetTask returns one of the user's tasks.
func (s *Server) handleGetTask(c *gin.Context) {
	id, ok := s.taskID(c)
	if !ok {
		return
	}
	t, err := s.tasks.Get(c.Request.Context(), currentUser(c).ID, id)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, taskResponse{Task: newTaskView(t)})
}

type updateTaskRequest struct {
	Title       nullable[string] `json:"title"`
	Description nullable[string] `json:"description"`
	Completed   nullable[bool]   `json:"completed"`
}

// handleUpdateTask changes the fields present in the body and keeps the
// others. null is refused: to clear the description, send "".
func (s *Server) handleUpdateTask(c *gin.Context) {
	id, ok := s.taskID(c)
	if !ok {
		return
	}
	var req updateTaskRequest
	if !s.decodeJSON(c, &req) {
		return
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
		s.writeError(c, apperr.Validation(fields))
		return
	}
	t, err := s.tasks.Update(c.Request.Context(), currentUser(c).ID, id, todo.Patch{
		Title: req.Title.ptr(), Description: req.Description.ptr(), Completed: req.Completed.ptr(),
	})
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, taskResponse{Task: newTaskView(t)})
}

// handleDeleteTask deletes one of the user's tasks: 204, or 404.
func (s *Server) handleDeleteTask(c *gin.Context) {
	id, ok := s.taskID(c)
	if !ok {
		return
	}
	if err := s.tasks.Delete(c.Request.Context(), currentUser(c).ID, id); err != nil {
		s.writeError(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// taskID parses the :id path parameter. Anything but a positive integer
// names no task, so it is a 404 like any other missing task.
func (s *Server) taskID(c *gin.Context) (int64, bool) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		s.writeError(c, apperr.New(apperr.CodeNotFound, "No such task."))
		return 0, false
	}
	return id, true
}
