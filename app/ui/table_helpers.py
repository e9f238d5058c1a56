"""Read-only tables for the window's pages, text and choice prompts with Chinese buttons, and the
file name a save dialog hands back.

QInputDialog's static helpers label their buttons in English unless Qt's translations are loaded
(they are not in tests, nor on a machine missing them), so the prompt sets its button texts itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QHeaderView,
    QInputDialog,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from app.core.disclosure import for_output


def read_only_table(headers: Sequence[str], stretch: int | None = None) -> QTableWidget:
    """One selectable row at a time; columns fit their contents, `stretch` takes what is left."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setWordWrap(False)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    for column in range(len(headers)):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def fill_rows(table: QTableWidget, rows: Sequence[Sequence[str]], colours: Sequence[str | None] = ()) -> None:
    """Replace the table's rows; a row's colour (e.g. "#C6EFCE"), when given, paints the whole row."""
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        colour = colours[r] if r < len(colours) else None
        for c, raw in enumerate(values):
            value = for_output(raw)  # the disclosure gate's sink for every table on screen
            item = QTableWidgetItem(value)
            item.setToolTip(value)  # long texts (what was posted) stay readable when the column is narrow
            if colour:
                item.setBackground(QBrush(QColor(colour)))
            table.setItem(r, c, item)


def selected_index(table: QTableWidget) -> int | None:
    rows = table.selectionModel().selectedRows()
    return rows[0].row() if rows else None


def ask_text(parent: QWidget, title: str, label: str, accept: str, text: str = "") -> str | None:
    """One line of text, or None when the clerk cancelled."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setTextValue(text)
    dialog.setOkButtonText(accept)
    dialog.setCancelButtonText("取消")
    return dialog.textValue() if dialog.exec() else None


def ask_choice(parent: QWidget, title: str, label: str, accept: str, choices: Sequence[str],
               current: str | None = None) -> str | None:
    """One of `choices` from a drop-down (`current` preselected), or None when the clerk cancelled."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setComboBoxItems(list(choices))
    if current is not None:
        dialog.setTextValue(current)
    dialog.setOkButtonText(accept)
    dialog.setCancelButtonText("取消")
    return dialog.textValue() if dialog.exec() else None


def fit_to_screen(widget: QWidget, width: int, height: int) -> None:
    """Open at (width, height) or, on a smaller screen (1366×768 at 125%: 1092×614), at what the screen
    has room for: never with its buttons off screen."""
    from PySide6.QtGui import QGuiApplication

    screen = widget.screen() or QGuiApplication.primaryScreen()
    if screen is not None:
        room = screen.availableGeometry()
        # The title bar and the frame are not part of the size: leave them room.
        width, height = min(width, room.width() - 16), min(height, room.height() - 40)
    widget.resize(max(width, widget.minimumSizeHint().width()), max(height, widget.minimumSizeHint().height()))


# --- entry tables: cells the clerk types or pastes into ----------------------------------------------
_RAW = 0x0100  # Qt.ItemDataRole.UserRole: what a pasted cell holds, while the screen shows it masked


class _EntryGrid(QTableWidget):
    """Enter as in Excel: it ends the cell's editing and moves down a row (a new row at the bottom)."""

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        super().closeEditor(editor, hint)
        if hint == QAbstractItemDelegate.EndEditHint.SubmitModelCache:  # Enter; Tab says EditNextItem
            self._down()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        from PySide6.QtCore import Qt

        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.state() != self.State.EditingState:
            self._down()
            return
        super().keyPressEvent(event)

    def _down(self) -> None:
        row, column = self.currentRow(), max(self.currentColumn(), 0)
        if row + 1 >= self.rowCount():
            self.setRowCount(row + 2)
        self.setCurrentCell(row + 1, column)


def entry_table(headers: Sequence[str], rows: int = 8) -> QTableWidget:
    """An editable grid as in Excel: typing starts editing, Tab moves to the next cell, Enter to the
    cell below; `rows` blank rows to begin with (the caller adds more)."""
    table = _EntryGrid(rows, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
    table.setTabKeyNavigation(True)
    table.setWordWrap(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    return table


def put_entry_rows(table: QTableWidget, first: int, rows: Sequence[Sequence[str]]) -> None:
    """Write checked values into an entry table from row `first` on (adding rows as needed). A cell
    shows its text through the disclosure gate (an ID number masked) and keeps what it stands for,
    which entry_values hands back unless the clerk has typed over it."""
    if first + len(rows) > table.rowCount():
        table.setRowCount(first + len(rows))
    for r, values in enumerate(rows, start=first):
        for c, raw in enumerate(values):
            shown = for_output(raw)
            item = QTableWidgetItem(shown)
            if shown != raw:
                item.setData(_RAW, raw)
            table.setItem(r, c, item)


def entry_values(table: QTableWidget) -> list[list[str]]:
    """Every row of an entry table as text, blank cells as "" (a pasted, masked cell as it was pasted).
    A cell still being edited counts with what it shows."""
    editor = table.indexWidget(table.currentIndex())
    if editor is not None:
        table.commitData(editor)  # the editor stays open: Qt closes it itself, maybe later in this turn
    values: list[list[str]] = []
    for r in range(table.rowCount()):
        row = []
        for c in range(table.columnCount()):
            item = table.item(r, c)
            if item is None:
                row.append("")
                continue
            raw = item.data(_RAW)
            row.append(raw if isinstance(raw, str) and item.text() == for_output(raw) else item.text())
        values.append(row)
    return values


def last_filled_row(table: QTableWidget) -> int:
    """The index after the last row with any text (0 for an empty table)."""
    for r in range(table.rowCount() - 1, -1, -1):
        items = [table.item(r, c) for c in range(table.columnCount())]
        if any(item is not None and item.text().strip() for item in items):
            return r + 1
    return 0


def with_suffix(chosen: str, *accepted: str) -> Path:
    """The file a save dialog named, with the first accepted suffix added when the clerk typed none of
    them (a name typed without ".pdf" is still a PDF)."""
    path = Path(chosen)
    return path if path.suffix.lower() in accepted else Path(chosen + accepted[0])
