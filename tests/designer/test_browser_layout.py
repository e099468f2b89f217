"""The modeler at 1366 px: the canvas takes the page's width and the palette covers no element."""
from __future__ import annotations

from tests.web.browser import Staff, screenshot_dir, serve

WIDE = {"width": 1366, "height": 860}

GEOMETRY = """() => {
  const canvas = document.getElementById('designer-canvas').getBoundingClientRect();
  const palette = document.querySelector('.djs-palette').getBoundingClientRect();
  const shapes = Array.from(document.querySelectorAll('.djs-element.djs-shape:not(.djs-frame)'))
    .filter(el => !el.closest('.djs-palette') && el.getAttribute('data-element-id') !== window.govflowModeler.get('canvas').getRootElement().id)
    .map(el => el.getBoundingClientRect()).filter(r => r.width > 0);
  return {canvasWidth: canvas.width, viewport: window.innerWidth, paletteRight: palette.right,
          leftmost: Math.min(...shapes.map(r => r.left)), rightmost: Math.max(...shapes.map(r => r.right)),
          canvasRight: canvas.right, shapes: shapes.length};
}"""


def test_the_canvas_is_wide_and_the_palette_covers_nothing(web_app, browser, tmp_path):
    with serve(web_app) as base:
        designer = Staff(browser, base, "designer", WIDE, screenshot_dir(tmp_path))
        try:
            designer.goto("/designer/web_case")
            designer.page.locator("#designer-canvas.is-ready").wait_for()
            g = designer.page.evaluate(GEOMETRY)
            assert g["shapes"] > 3
            assert g["canvasWidth"] >= g["viewport"] - 340 - 80, g        # the properties panel beside it, no 60rem column
            assert g["leftmost"] > g["paletteRight"], g
            assert g["rightmost"] <= g["canvasRight"], g
            designer.shot("designer-layout-1366")
        finally:
            designer.close()
