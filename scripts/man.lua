-- SPDX-License-Identifier: MIT
--
-- pandoc Lua filter: one docs/api/*.md page (GitHub markdown, Magenta's
-- man-page layout) to a man page.  Used by scripts/mkman.sh; the markdown
-- stays the only source.
--
--  * The level-1 heading names the page's calls ("# mx_handle_export,
--    mx_handle_import"): it becomes the title and leaves the body; the
--    other headings move up one level (## -> .SH, ### -> .SS).
--  * NAME lists the real C names, so apropos(1) and man(1) find them:
--    "handle_export, handle_import - ..." becomes
--    "mx_handle_export, mx_handle_import \- ...".  The overview page
--    (README.md, which has no NAME) gets one from the metadata field
--    `name_line`.
--  * Links between the pages become man references: [msgpipe_read](msgpipe_read.md)
--    -> mx_msgpipe_read(3), [README](README.md#...) -> magenta(7); a link
--    out of docs/api/ keeps its text and names the source file.
--
-- Metadata in: `pages` ("file.md=name(section) ..." for every page, from
-- mkman.sh).  Metadata out: `title` (the first name, upper case).

local stringify = pandoc.utils.stringify

local pages = {}   -- "msgpipe_read.md" -> { name = "mx_msgpipe_read", sec = "3" }

local function read_pages(meta)
  for file, name, sec in stringify(meta.pages or ""):gmatch("(%S+)=([%w_]+)%((%d)%)") do
    pages[file] = { name = name, sec = sec }
  end
end

-- man_ref("mx_msgpipe_read", "3"): **mx_msgpipe_read**(3)
local function man_ref(name, sec)
  return { pandoc.Strong({ pandoc.Str(name) }), pandoc.Str("(" .. sec .. ")") }
end

local function fix_link(link)
  local target = link.target
  if target:match("^%a[%w+.-]*:") then
    return nil  -- an absolute URL: pandoc's own rendering
  end
  local file = target:gsub("#.*$", "")
  local page = pages[file]
  if page then
    return man_ref(page.name, page.sec)
  end
  -- Outside docs/api/: the text, and where the file is in the source.
  local path = file:gsub("^%.%./", "docs/")
  local out = {}
  for _, i in ipairs(link.content) do table.insert(out, i) end
  table.insert(out, pandoc.Space())
  table.insert(out, pandoc.Str("(" .. path .. " in the magenta-linux source)"))
  return out
end

-- "mx_handle_export, mx_handle_import **[extension]**" -> the C names
local function names_of(inlines)
  local names = {}
  for n in stringify(inlines):gmatch("mx_[%w_]+") do table.insert(names, n) end
  return names
end

-- The NAME paragraph: everything after the first " - " is the description.
local function name_para(names, para)
  local desc, seen = {}, false
  for _, i in ipairs(para.content) do
    if seen then
      table.insert(desc, i)
    elseif i.t == "Str" and i.text == "-" then
      seen = true
    end
  end
  -- drop the space after the dash and trailing soft breaks
  while #desc > 0 and (desc[1].t == "Space" or desc[1].t == "SoftBreak") do
    table.remove(desc, 1)
  end
  -- plain text: lexgrog and apropos read the NAME line raw
  return pandoc.Para({ pandoc.Str(table.concat(names, ", ")), pandoc.Space(),
                       pandoc.RawInline("man", "\\-"), pandoc.Space(),
                       pandoc.Str(stringify(desc)) })
end

-- Tables: give each column its natural width (its longest cell), then,
-- while the table is wider than a man page's text (70n, what pandoc scales
-- widths to), narrow the widest column that can still break, never below its
-- longest word. Without widths tbl splits the line evenly and long names
-- such as ERR_NOT_ENOUGH_BUFFER cannot fit their column (groff -ww warns).
local TEXT_WIDTH, GAP = 70, 3

local function ulen(s) return utf8.len(s) or #s end

local function fit_table(tbl)
  local n = #tbl.colspecs
  local natural, minword = {}, {}
  for i = 1, n do natural[i], minword[i] = 1, 1 end
  local function measure(rows)
    for _, row in ipairs(rows) do
      for i, cell in ipairs(row.cells) do
        local text = stringify(cell.contents)
        natural[i] = math.max(natural[i], ulen(text))
        for w in text:gmatch("%S+") do minword[i] = math.max(minword[i], ulen(w)) end
      end
    end
  end
  measure(tbl.head.rows)
  for _, body in ipairs(tbl.bodies) do measure(body.body) end
  local avail = TEXT_WIDTH - 6 - GAP * (n - 1)  -- 6: a table inside a list is indented
  local width, total = {}, 0
  for i = 1, n do width[i] = natural[i]; total = total + width[i] end
  while total > avail do
    local widest = nil
    for i = 1, n do
      if width[i] > minword[i] and (widest == nil or width[i] > width[widest]) then widest = i end
    end
    if widest == nil then break end
    width[widest] = width[widest] - 1
    total = total - 1
  end
  for i = 1, n do tbl.colspecs[i] = { tbl.colspecs[i][1], width[i] / TEXT_WIDTH } end
  return tbl
end

function Pandoc(doc)
  read_pages(doc.meta)
  local blocks, names = {}, nil
  local in_name, had_name = false, false
  for _, b in ipairs(doc.blocks) do
    if b.t == "Header" and b.level == 1 and names == nil then
      names = names_of(b.content)
      if #names == 0 then names = { stringify(doc.meta.name or "") } end
    elseif b.t == "Header" then
      b.level = b.level - 1
      if b.level == 1 then
        -- .SH headings in capitals, as in every man page
        b.content = { pandoc.Str(string.upper(stringify(b.content))) }
      end
      in_name = (b.level == 1 and stringify(b.content) == "NAME")
      had_name = had_name or in_name
      table.insert(blocks, b)
    elseif in_name and b.t == "Para" then
      table.insert(blocks, name_para(names, b))
      in_name = false
    else
      table.insert(blocks, b)
    end
  end
  if not had_name then
    -- The overview page: NAME from the metadata, before everything else.
    local line = pandoc.read(stringify(doc.meta.name_line or ""), "markdown").blocks[1]
    table.insert(blocks, 1, pandoc.Header(1, { pandoc.Str("NAME") }))
    table.insert(blocks, 2, name_para(names, line))
  end
  doc.blocks = blocks
  doc.meta.title = pandoc.MetaInlines({ pandoc.Str(string.upper(names[1])) })
  return doc:walk({ Link = fix_link, Table = fit_table })
end
