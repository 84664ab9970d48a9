-- Import feedback (issue 15, part 9): a refused row names its SKU beside its line, so a merchant
-- finds it in their spreadsheet by the SKU as well as by the line number. Empty where the row had
-- none (or could not be read).
ALTER TABLE import_errors ADD COLUMN sku TEXT NOT NULL DEFAULT '';
