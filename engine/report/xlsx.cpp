// The ledger's views as one XLSX workbook, by libxlsxwriter.
#include <xlsxwriter.h>

#include <system_error>

#include "report/report.h"

namespace duban::report {

namespace {

// Text for a page header or footer: '&' starts a code there, so it is doubled.
std::string HeaderText(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '&') out += '&';
    out += c;
  }
  return out;
}

constexpr std::uint8_t kPaperA4 = 9;

}  // namespace

Status WriteXlsx(const std::vector<View>& views, const Heading& heading, const std::filesystem::path& path) {
  const std::filesystem::path tmp = TempBeside(path);
  lxw_workbook* wb = workbook_new(tmp.c_str());
  if (wb == nullptr) return Status::Io("cannot create " + tmp.string());
  lxw_format* head = workbook_add_format(wb);
  format_set_bold(head);
  format_set_text_wrap(head);
  format_set_align(head, LXW_ALIGN_CENTER);
  format_set_align(head, LXW_ALIGN_VERTICAL_CENTER);
  format_set_bg_color(head, 0xDDEBF7);
  format_set_border(head, LXW_BORDER_THIN);
  lxw_format* text = workbook_add_format(wb);
  format_set_text_wrap(text);
  format_set_align(text, LXW_ALIGN_VERTICAL_TOP);
  format_set_border(text, LXW_BORDER_THIN);
  lxw_format* integer = workbook_add_format(wb);
  format_set_num_format(integer, "0");
  format_set_align(integer, LXW_ALIGN_VERTICAL_TOP);
  format_set_border(integer, LXW_BORDER_THIN);
  lxw_format* points = workbook_add_format(wb);
  format_set_num_format(points, "0.00");
  format_set_align(points, LXW_ALIGN_VERTICAL_TOP);
  format_set_border(points, LXW_BORDER_THIN);
  lxw_format* day = workbook_add_format(wb);
  format_set_num_format(day, "yyyy-mm-dd");
  format_set_align(day, LXW_ALIGN_VERTICAL_TOP);
  format_set_border(day, LXW_BORDER_THIN);

  const std::string header = "&C&\"-,Bold\"" + HeaderText(heading.office) + "&R" + HeaderText(FormatDateZh(heading.date));
  const std::string footer = "&L" + HeaderText(heading.campaign) + "&C第 &P 页，共 &N 页&R" +
                             HeaderText(FormatDateZh(heading.date));
  lxw_error err = LXW_NO_ERROR;
  for (const View& v : views) {
    lxw_worksheet* ws = workbook_add_worksheet(wb, v.sheet.c_str());
    if (ws == nullptr) {
      err = LXW_ERROR_SHEETNAME_LENGTH_EXCEEDED;
      break;
    }
    worksheet_set_paper(ws, kPaperA4);
    worksheet_set_landscape(ws);
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_repeat_rows(ws, 0, 0);
    worksheet_freeze_panes(ws, 1, 0);
    // Excel allows 255 characters in a header: a long office name is cut by
    // Excel itself, so the heading goes first.
    if (worksheet_set_header(ws, header.c_str()) != LXW_NO_ERROR) worksheet_set_header(ws, ("&C" + HeaderText(heading.campaign_id)).c_str());
    if (worksheet_set_footer(ws, footer.c_str()) != LXW_NO_ERROR) worksheet_set_footer(ws, "&C&P / &N");
    worksheet_set_margins(ws, 0.4, 0.4, 0.7, 0.6);
    worksheet_set_row(ws, 0, 30, nullptr);
    for (std::size_t c = 0; c < v.columns.size(); ++c) {
      const auto col = static_cast<lxw_col_t>(c);
      worksheet_set_column(ws, col, col, v.columns[c].width, nullptr);
      worksheet_write_string(ws, 0, col, v.columns[c].title.c_str(), head);
    }
    if (!v.columns.empty() && !v.rows.empty())
      worksheet_autofilter(ws, 0, 0, static_cast<lxw_row_t>(v.rows.size()), static_cast<lxw_col_t>(v.columns.size() - 1));
    for (std::size_t r = 0; r < v.rows.size(); ++r) {
      const auto row = static_cast<lxw_row_t>(r + 1);
      for (std::size_t c = 0; c < v.rows[r].size(); ++c) {
        const Cell& cell = v.rows[r][c];
        const auto col = static_cast<lxw_col_t>(c);
        switch (cell.kind) {
          case Cell::Kind::kText:
            if (cell.text.empty()) worksheet_write_blank(ws, row, col, text);
            else worksheet_write_string(ws, row, col, cell.text.c_str(), text);
            break;
          case Cell::Kind::kInteger: worksheet_write_number(ws, row, col, cell.number, integer); break;
          case Cell::Kind::kPoints: worksheet_write_number(ws, row, col, cell.number, points); break;
          case Cell::Kind::kDate: {
            const std::chrono::year_month_day ymd = cell.date;
            lxw_datetime dt{static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
                            static_cast<int>(static_cast<unsigned>(ymd.day())), 0, 0, 0};
            worksheet_write_datetime(ws, row, col, &dt, day);
            break;
          }
        }
      }
    }
  }
  const lxw_error closed = workbook_close(wb);
  if (err == LXW_NO_ERROR) err = closed;
  if (err != LXW_NO_ERROR) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    return Status::Io("cannot write " + path.string() + ": " + lxw_strerror(err));
  }
  return PutInPlace(tmp, path);
}

}  // namespace duban::report
