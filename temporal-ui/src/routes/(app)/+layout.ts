// Everything the library's pages expect before any of them renders, as Temporal's UI app loads it in
// its app layout: i18n (the pages' words), then the UI server's settings, the namespaces (into the
// library's store), cluster and system info (the server's version gates features).
import i18next from 'i18next';
import { i18nNamespaces } from '@temporalio/ui/i18n/index';
import resources from '@temporalio/ui/i18n/locales/index';
import { fetchCluster, fetchSystemInfo } from '@temporalio/ui/services/cluster-service';
import { fetchNamespaces } from '@temporalio/ui/services/namespaces-service';
import { fetchSettings } from '@temporalio/ui/services/settings-service';
import { getAuthUser } from '@temporalio/ui/stores/auth-user';
import type { LayoutLoad } from './$types';

export const load: LayoutLoad = async ({ fetch }) => {
  if (!i18next.isInitialized) {
    await i18next.init({ lng: 'en', fallbackLng: 'en', load: 'languageOnly', ns: i18nNamespaces, defaultNS: 'common', resources });
  }
  const settings = await fetchSettings(fetch);
  void fetchNamespaces(settings, fetch);
  const [cluster, systemInfo] = await Promise.all([fetchCluster(settings, fetch), fetchSystemInfo(settings, fetch)]);
  return { user: getAuthUser(), settings, cluster, systemInfo };
};
