//! The PNG backend: plotters' bitmap backend with text laid out glyph by glyph as the font
//! says.
//!
//! plotters 0.3.7 draws each glyph of a text at the pen position rounded down and without the
//! glyph's left side bearing, so narrow glyphs slide into the one before: at tick-label sizes
//! "1,000" read as "1.000" and "regime" as "regim e". Here each glyph is drawn at its exact
//! pen position, bearing included, with coverage computed at that sub-pixel offset. Everything
//! else, and where a text is anchored (plotters' own layout box, so charts lay out as before),
//! is the bitmap backend's.

use std::path::Path;

use ab_glyph::{Font, FontRef, ScaleFont, point};
use plotters::backend::BitMapBackend;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingBackend, DrawingErrorKind,
    FontStyle,
};

use super::{FONT_BOLD, FONT_REGULAR};

/// A PNG file being drawn (see the module's doc).
pub struct PngBackend<'a> {
    bitmap: BitMapBackend<'a>,
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

impl<'a> PngBackend<'a> {
    /// A `size` (width, height) image to be saved at `path` when presented.
    pub fn new(path: &'a Path, size: (u32, u32)) -> Self {
        Self::drawing_on(BitMapBackend::new(path, size))
    }

    fn drawing_on(bitmap: BitMapBackend<'a>) -> Self {
        let font = |bytes| FontRef::try_from_slice(bytes).expect("the bundled fonts parse");
        Self {
            bitmap,
            regular: font(FONT_REGULAR),
            bold: font(FONT_BOLD),
        }
    }
}

/// What each drawing call returns.
type BackendResult<E> = Result<(), DrawingErrorKind<E>>;

impl DrawingBackend for PngBackend<'_> {
    type ErrorType = <BitMapBackend<'static> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.bitmap.get_size()
    }

    fn ensure_prepared(&mut self) -> BackendResult<Self::ErrorType> {
        self.bitmap.ensure_prepared()
    }

    fn present(&mut self) -> BackendResult<Self::ErrorType> {
        self.bitmap.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> BackendResult<Self::ErrorType> {
        self.bitmap.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> BackendResult<Self::ErrorType> {
        self.bitmap.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> BackendResult<Self::ErrorType> {
        self.bitmap.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> BackendResult<Self::ErrorType> {
        self.bitmap.blit_bitmap(pos, size, src)
    }

    /// Anchored and rotated as plotters' default does (its layout box, its transform), with
    /// the baseline where plotters puts it (half the font size below the box's top).
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> BackendResult<Self::ErrorType> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let ((min_x, min_y), (max_x, max_y)) =
            (style.layout_box(text)).map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let (width, height) = (max_x - min_x, max_y - min_y);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let transform = style.transform();
        let font = match style.style() {
            FontStyle::Bold => &self.bold,
            _ => &self.regular,
        };
        let size_px = style.size() as f32;
        let font = font.as_scaled(size_px);
        let mut pen_x = 0.0;
        let mut previous = None;
        let mut result = Ok(());
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(previous) = previous {
                pen_x += font.kern(previous, id);
            }
            previous = Some(id);
            let glyph = id.with_scale_and_position(size_px, point(pen_x, size_px / 2.0));
            pen_x += font.h_advance(id);
            let Some(outline) = font.outline_glyph(glyph) else {
                continue; // a space
            };
            let bounds = outline.px_bounds();
            outline.draw(|gx, gy, coverage| {
                if coverage <= 0.0 || result.is_err() {
                    return;
                }
                let x = bounds.min.x as i32 + gx as i32;
                let y = bounds.min.y as i32 + gy as i32;
                let (x, y) = transform.transform(x + dx - min_x, y + dy - min_y);
                let shade = BackendColor {
                    alpha: color.alpha * f64::from(coverage.min(1.0)),
                    rgb: color.rgb,
                };
                result = self.bitmap.draw_pixel((pos.0 + x, pos.1 + y), shade);
            });
            if result.is_err() {
                break;
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use plotters::prelude::*;

    use super::*;

    /// The columns of a white `width` × `height` RGB image that hold ink.
    fn inked_columns(pixels: &[u8], width: usize) -> Vec<usize> {
        let mut columns: Vec<usize> = (pixels.chunks(3).enumerate())
            .filter(|(_, rgb)| rgb.iter().any(|&v| v < 128))
            .map(|(i, _)| i % width)
            .collect();
        columns.sort_unstable();
        columns.dedup();
        columns
    }

    #[test]
    fn a_glyph_keeps_its_left_side_bearing() {
        // A comma drawn at x = 0 starts where the font puts its ink, a few pixels right of the
        // pen at this size: plotters' own text drew it from column 0, onto the glyph before.
        let (width, height, size_px) = (60, 60, 48.0);
        let mut pixels = vec![255u8; width * height * 3];
        {
            let bitmap = BitMapBackend::with_buffer(&mut pixels, (width as u32, height as u32));
            let root = PngBackend::drawing_on(bitmap).into_drawing_area();
            crate::plot::register_fonts().unwrap();
            let style = ("sans-serif", size_px).into_font().color(&BLACK);
            root.draw_text(",", &style, (0, 0)).unwrap();
            root.present().unwrap();
        }
        let font = FontRef::try_from_slice(FONT_REGULAR).unwrap();
        let scaled = font.as_scaled(size_px as f32);
        let bearing_px = scaled.h_side_bearing(scaled.glyph_id(','));
        assert!(
            bearing_px > 3.0,
            "a comma has a visible bearing: {bearing_px}"
        );
        let columns = inked_columns(&pixels, width);
        let first = *columns.first().expect("the comma is drawn");
        assert_eq!(
            first,
            bearing_px.floor() as usize,
            "inked columns {columns:?}"
        );
    }
}
