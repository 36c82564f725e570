-- A real editor against `netrun lsp`: Neovim's built-in client (0.7 and later), headless.
--   nvim --headless -u Tests/LSP/nvim-check.lua Configs/alexnet.yaml
-- Breaks a setting of the first conv layer in the buffer (unsaved), then prints the
-- diagnostic, a hover on that layer, and the completion of a new setting in its braces;
-- exits 0 when all three came back, 1 otherwise. NETRUN names the binary (default: the debug build).
local netrun = os.getenv("NETRUN") or ".build/debug/netrun"
local function say(s) io.stdout:write(s .. "\n") end
local failed = false
local function check(ok, what)
  if not ok then failed = true; say("FAILED: " .. what) end
end

vim.o.swapfile = false
vim.api.nvim_create_autocmd("VimEnter", { callback = function()
  local buf = vim.api.nvim_get_current_buf()
  vim.bo[buf].filetype = "yaml"
  local id = vim.lsp.start_client({ name = "netrun", cmd = { netrun, "lsp" }, root_dir = vim.fn.getcwd() })
  vim.lsp.buf_attach_client(buf, id)
  local client = vim.lsp.get_client_by_id(id)
  check(vim.wait(10000, function() return client.initialized end), "initialize")

  -- The first conv layer: misspell its stride in the buffer.
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  local row
  for i, l in ipairs(lines) do if l:find("conv:") and l:find("stride:") then row = i - 1; break end end
  local line = lines[row + 1]:gsub("stride:", "strid:", 1)
  vim.api.nvim_buf_set_lines(buf, row, row + 1, false, { line })
  check(vim.wait(10000, function() return #vim.diagnostic.get(buf) > 0 end), "a diagnostic")
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    say(string.format("diagnostic %d:%d %s", d.lnum + 1, d.col + 1, d.message))
  end

  local uri = vim.uri_from_bufnr(buf)
  local col = line:find("conv:")
  local hover = client.request_sync("textDocument/hover",
    { textDocument = { uri = uri }, position = { line = row, character = col } }, 10000, buf)
  local text = hover and hover.result and hover.result.contents.value or ""
  check(text:find("multiply%-adds") ~= nil, "a hover")
  say("hover: " .. text:gsub("\n+", " | "))

  -- A new setting in the braces: `act: relu, ` then complete.
  line = line:gsub("}", ", }", 1)
  vim.api.nvim_buf_set_lines(buf, row, row + 1, false, { line })
  local at = line:find(", }") + 1
  local completion = client.request_sync("textDocument/completion",
    { textDocument = { uri = uri }, position = { line = row, character = at } }, 10000, buf)
  local labels = {}
  for _, item in ipairs(completion and completion.result and completion.result.items or {}) do table.insert(labels, item.label) end
  check(#labels > 0, "a completion")
  say("completion: " .. table.concat(labels, " "))
  vim.cmd(failed and "cquit 1" or "qall!")
end })
