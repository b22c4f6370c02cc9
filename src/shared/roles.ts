// Roles, permissions and the map between them: the core enforces it, the renderer uses it to show or hide.

export const ROLES = ['admin', 'doctor', 'nurse', 'patient'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  admin: 'Administrator',
  doctor: 'Doctor',
  nurse: 'Nurse',
  patient: 'Patient',
};

export const PERMISSIONS = [
  'portal.admin',
  'portal.clinical',
  'portal.patient',
  'profile.own.read',
  'settings.manage',
  'users.manage',
  'mail.manage',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  admin: ['portal.admin', 'profile.own.read', 'settings.manage', 'users.manage', 'mail.manage'],
  doctor: ['portal.clinical', 'profile.own.read'],
  nurse: ['portal.clinical', 'profile.own.read'],
  patient: ['portal.patient', 'profile.own.read'],
};

export function hasPermission(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}

export const isAdmin = (role: Role): boolean => role === 'admin';
export const isDoctor = (role: Role): boolean => role === 'doctor';
export const isNurse = (role: Role): boolean => role === 'nurse';
export const isPatient = (role: Role): boolean => role === 'patient';
export const isClinicalStaff = (role: Role): boolean => role === 'doctor' || role === 'nurse';
