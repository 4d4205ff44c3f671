"""A parent whose reminders stopped reaching the phone sees it on home and switches on
e-mail reminders by clicking, on an app served with a real relay (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, expect

from tests.helpers.browser import PARENT, ServedApp, assert_accessible, sign_in_parent
from tests.helpers.mail_server import MailServer
from tests.helpers.served import Server, run

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="session")]
PHONE: ViewportSize = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def mail_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedApp]:
    """`pwa demo` and `pwa serve` with the hospital's relay set: the app offers e-mail."""
    folder = tmp_path_factory.mktemp("mail-app")
    relay = MailServer(folder / "relay").start()
    relay_env = {f"PWA_{name}": str(value) for name, value in relay.settings().items()}
    server = Server(folder / "instance", env_extra=relay_env)
    run("demo", instance=server.instance, url=server.url, **relay_env)
    server.start()
    try:
        yield ServedApp(url=server.url, instance=server.instance, database=server.database)
    finally:
        server.stop()
        relay.stop()


@pytest_asyncio.fixture(loop_scope="session")
async def mail_page(browser: Browser, mail_app: ServedApp) -> AsyncIterator[Page]:
    context: BrowserContext = await browser.new_context(
        base_url=mail_app.url, locale="en-GB", viewport=PHONE
    )
    yield await context.new_page()
    await context.close()


async def test_a_parent_whose_pushes_stopped_switches_on_email_from_home(
    mail_page: Page, mail_app: ServedApp
) -> None:
    """Hazard H22: the push service gave up the parent's phone; home says so, and two taps
    later the reminders before each visit go by e-mail too."""
    page = mail_page
    async with mail_app.db() as db, db.transaction() as tx:
        await tx.execute(
            """
            INSERT INTO notification_preference (account_id, push_lost_at, updated_at)
            SELECT id, '2026-12-01T10:00:00.000+00:00', '2026-12-01T10:00:00.000+00:00'
              FROM account WHERE email = :email
            ON CONFLICT (account_id) DO UPDATE SET push_lost_at = excluded.push_lost_at
            """,
            {"email": PARENT.email},
        )
    await sign_in_parent(page)
    card = page.get_by_role("region", name="Reminders are not reaching your phone")
    await expect(card).to_be_visible()
    await assert_accessible(page)
    await card.get_by_role("link", name="Get reminders by e-mail instead").click()
    await page.wait_for_load_state()
    choice = page.get_by_label("Also send me reminders by e-mail")
    await expect(choice).to_be_visible()
    await expect(page.get_by_text(f"They go to {PARENT.email}")).to_be_visible()
    await assert_accessible(page)
    await choice.check()
    await page.get_by_role("button", name="Save").click()
    await expect(page.get_by_text("Your reminder settings are saved.")).to_be_visible()
    await expect(page.get_by_label("Also send me reminders by e-mail")).to_be_checked()

    async with mail_app.db() as db:
        row = await db.fetch_one(
            """
            SELECT COUNT(*) FROM notification_job JOIN account ON account.id = recipient_id
             WHERE account.email = :email AND channel = 'email' AND status = 'pending'
               AND kind LIKE 'visit_reminder%'
            """,
            {"email": PARENT.email},
        )
    assert row[0] > 0, "the reminders of the visits to come, by e-mail"

    await (
        page.get_by_role("navigation", name="Main")
        .get_by_role("link", name="Home", exact=True)
        .click()
    )
    await page.wait_for_load_state()
    await expect(page.get_by_text("Reminders are not reaching your phone")).to_have_count(0)
