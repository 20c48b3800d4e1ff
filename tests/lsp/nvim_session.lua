-- A session of neovim's own LSP client with infrac lsp, run headless by
-- test_nvim.py: open a file that has an error, wait for its diagnostics,
-- ask hover and completion through vim.lsp, fix the error by editing the
-- buffer, wait for the diagnostics to clear.  What it saw goes to
-- $LSP_OUT as JSON; every wait is bounded.
local out = {}
local function finish()
  local f = io.open(os.getenv("LSP_OUT"), "w")
  f:write(vim.fn.json_encode(out))
  f:close()
  vim.cmd("qa!")
end

local ok, err = pcall(function()
  vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("INFRA_FILE")))
  local buf = vim.api.nvim_get_current_buf()
  local id = vim.lsp.start_client({ name = "infrac", cmd = { os.getenv("INFRAC"), "lsp" },
                                    root_dir = vim.fn.fnamemodify(os.getenv("INFRA_FILE"), ":h") })
  out.attached = vim.lsp.buf_attach_client(buf, id)

  vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 20)
  out.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local lsp = d.user_data and d.user_data.lsp or {}
    table.insert(out.diagnostics, { line = d.lnum, col = d.col, severity = d.severity,
                                    code = d.code or lsp.code, message = d.message })
  end

  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  local function at(text, nth, delta)
    local k = 0
    for i, l in ipairs(lines) do
      local j = string.find(l, text, 1, true)
      if j then
        if k == nth then return { line = i - 1, character = j - 1 + delta } end
        k = k + 1
      end
    end
  end
  local function ask(method, position)
    local params = { textDocument = { uri = vim.uri_from_bufnr(buf) }, position = position }
    local res = vim.lsp.buf_request_sync(buf, method, params, 10000) or {}
    for _, r in pairs(res) do return r.result end
  end

  local hover = ask("textDocument/hover", at("run on main", 1, 7))
  out.hover = hover and hover.contents and hover.contents.value or ""
  local number = ask("textDocument/hover", at("ram   = 0.3 GB", 0, 9))
  out.hover_number = number and number.contents and number.contents.value or ""
  local items = ask("textDocument/completion", at("    redis", 0, 6)) or {}
  out.completion = {}
  for _, it in ipairs(items.items or items) do table.insert(out.completion, it.label) end
  local def = ask("textDocument/definition", at("    postgres", 0, 6))
  out.definition = def and def.range and def.range.start.line or -1

  -- fix the error in the buffer: neovim sends didChange
  local l = at("ram   = 11 GB", 0, 0).line
  vim.api.nvim_buf_set_lines(buf, l, l + 1, false, { "  ram   = 1 GB" })
  vim.wait(20000, function() return #vim.diagnostic.get(buf) == 0 end, 20)
  out.after_fix = #vim.diagnostic.get(buf)

  vim.lsp.stop_client(id)
  vim.wait(10000, function() return vim.lsp.client_is_stopped(id) end, 20)
  out.stopped = vim.lsp.client_is_stopped(id)
end)
if not ok then out.error = tostring(err) end
finish()
