"The three widget panels, used the way a study group meets them: in JupyterLab, in a browser, after Run All."
import re
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout, expect

pytestmark = pytest.mark.e2e

def run_all(page, lab, notebook: str, minutes: float = 4):
    "Open `notebook` in JupyterLab, run all its cells from the Run menu and wait until the last one has run."
    url, token = lab
    page.goto(f'{url}/lab/workspaces/{notebook.split(".")[0]}/tree/{notebook}?token={token}&reset')   # a workspace of its own
    page.wait_for_selector('.jp-Notebook .jp-Cell', timeout=120_000)
    select = page.locator('.jp-Dialog').get_by_role('button', name='Select', exact=True)
    try: select.click(timeout=5_000)         # JupyterLab may ask which kernel to start; the notebook's own is preselected
    except PlaywrightTimeout: pass
    page.wait_for_selector('.jp-Notebook-ExecutionIndicator[data-status="idle"]', timeout=120_000)
    page.locator('#jp-MainMenu .lm-MenuBar-itemLabel', has_text=re.compile(r'^Run$')).click()
    page.locator('.lm-Menu-itemLabel', has_text=re.compile(r'^Run All Cells$')).click()
    page.wait_for_function("""() => {
        const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
        return prompts.length > 0 && /\\[\\d+\\]/.test(prompts[prompts.length - 1].textContent)
               && !prompts.some(p => p.textContent.includes('*'));
    }""", timeout=minutes * 60_000)
    for stuck in ('Error displaying widget', 'Loading widget...'):
        expect(page.get_by_text(stuck)).to_have_count(0)

def no_errors(page):
    assert page.errors == [], '\n'.join(page.errors)

def test_spreadsheet_panel_steps_and_resets(page, lab):
    run_all(page, lab, '02_latent_factors.ipynb')
    panel = page.locator('.cw-sheet-panel').first
    expect(panel).to_be_visible()
    panel.scroll_into_view_if_needed()
    status, grid, curve = panel.locator('.cw-loss'), panel.locator('table').first, panel.locator('.jp-OutputArea-output img')
    step = lambda: int(re.search(r'step (\d+)', panel.inner_text()).group(1))
    losses, grids, start = [float(status.inner_text())], [grid.inner_text()], step()
    for i in range(1, 6):
        panel.get_by_role('button', name='Step', exact=True).click()
        expect(panel.get_by_text(f'step {start + i}', exact=True)).to_be_visible()
        losses.append(float(status.inner_text())); grids.append(grid.inner_text())
    assert all(b < a for a, b in zip(losses, losses[1:])), f'the loss shown did not go down at every step: {losses}'
    assert len(set(grids)) == 6, 'the predictions grid did not change at every step'
    trained_curve = curve.get_attribute('src')
    panel.get_by_role('button', name='Reset').click()
    expect(panel.get_by_text('step 0', exact=True)).to_be_visible()
    expect(curve).to_have_count(1)
    reset_loss = float(status.inner_text())
    assert reset_loss > losses[-1] + 0.5 and reset_loss > 2, f'after Reset the loss is {reset_loss}, trained was {losses[-1]}'
    assert curve.get_attribute('src') != trained_curve, 'the loss curve was not redrawn by Reset'
    no_errors(page)

def test_neighbour_picker_lists_titles(page, lab):
    run_all(page, lab, '06_interpretation.ipynb')
    picker = page.locator('.cw-neighbour-picker').first
    picker.scroll_into_view_if_needed()
    box = picker.locator('input').first
    box.fill('Casablanca (1942)'); box.press('Enter')
    expect(picker.get_by_text(re.compile(r'nearest to Casablanca \(1942\)'))).to_be_visible()
    tables = picker.locator('table.cw-neighbours')
    expect(tables).to_have_count(2)
    rows = tables.first.locator('tbody tr')
    expect(rows).to_have_count(10)
    assert all(re.search(r'\(\d{4}\)', t) for t in rows.locator('th').all_inner_texts()), 'the neighbours are not titles'
    box.fill('Casablanka'); box.press('Enter')
    expect(picker.get_by_text(re.compile('is not a title the model knows. Did you mean: Casablanca'))).to_be_visible()
    expect(tables).to_have_count(0)
    no_errors(page)

def test_cold_start_panel_recommends_and_explains(page, lab):
    run_all(page, lab, '08_recommendations.ipynb')
    panel = page.locator('.cw-cold-start').first
    panel.scroll_into_view_if_needed()
    title, stars = panel.locator('input').nth(0), panel.locator('input').nth(1)
    def rate(t, s):
        title.fill(t); stars.fill(str(s)); stars.press('Tab')
        panel.get_by_role('button', name='Add').click()
    panel.get_by_role('button', name='Clear').click()
    expect(panel.get_by_text(re.compile(r'Cleared\. Rate at least 3 movies'))).to_be_visible()
    for i, (t, s) in enumerate([('Toy Story (1995)', 5), ('Aladdin (1992)', 4), ('Scream (1996)', 1)], 1):
        rate(t, s)
        expect(panel.get_by_text(f'Added {t}: {s} stars.', exact=False)).to_be_visible()
    recs = panel.locator('table.cw-recs tr')
    expect(recs).to_have_count(10)
    assert 'Toy Story (1995)' not in panel.locator('table.cw-recs').inner_text()
    rate('Fargo (1996)', 7)
    expect(panel.get_by_text('ratings are whole stars from 1 to 5; got 7 for Fargo (1996).')).to_be_visible()
    rate('Star Warz', 4)
    expect(panel.get_by_text(re.compile("'Star Warz' is not a title the model knows"))).to_be_visible()
    expect(recs).to_have_count(10)
    no_errors(page)
